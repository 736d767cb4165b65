import InputFiles

/// Bad input, refused before anything is computed. The message names the file (or `-` for
/// standard input), the key or field, and what was expected, so an operator can fix the one
/// thing that is wrong.
public struct InputError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable {
        case unreadable
        /// Over its size cap (`InputFileLimit`).
        case tooLarge
        case malformed
        case missingField
        case invalidValue
        case unsupportedBackend
        case leaseOutsideNetwork
        case duplicateLease
        case overlappingLeases
        case missingVtepMAC
        case noLeaseForNode
        case peerNotOnLink
        case unknownFormat
    }

    public var code: Code
    /// The file the input came from (`-` for stdin); nil for flags.
    public var source: String?
    /// The key or field path, e.g. `Backend.Type` or `/coreos.com/network/subnets/10.244.1.0-24`.
    public var field: String?
    public var message: String

    public init(_ code: Code, source: String? = nil, field: String? = nil, _ message: String) {
        self.code = code
        self.source = source
        self.field = field
        self.message = message
    }

    /// `leases.json: /coreos.com/network/subnets/10.244.1.0-24: PublicIP: "1.2.3" is not an IPv4 address`.
    public var description: String {
        [source, field, message].compactMap { $0 }.joined(separator: ": ")
    }
}

extension InputError {
    /// A file refused before parsing: `/tmp/x: is a FIFO, expected a regular file or - for standard input`.
    public init(_ error: InputFileError) {
        let code: Code
        if case .overCap = error.reason { code = .tooLarge } else { code = .unreadable }
        self.init(code, source: error.path, error.message)
    }
}
