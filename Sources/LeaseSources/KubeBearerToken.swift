import Foundation
import InputFiles

/// The bearer token of the API requests: a kubeconfig's `token`, or a file (the service
/// account's projected `token`, a kubeconfig's `tokenFile`) read again whenever it changes.
///
/// Kubelet rotates a projected service-account token well before it expires (by default after
/// 80% of its hour) by writing a new file and swapping the `..data` symlink, so the inode
/// changes; other tools rewrite in place, so the size or times change. `current()` compares the
/// file's device, inode, size, mtime and ctime (one `stat`, following symlinks) with the read it
/// cached and reads the file only when one differs, so a request costs a `stat`.
///
/// As client-go's file token source: the content is trimmed of surrounding white space and an
/// empty token is an error. A token with a character an HTTP header cannot carry (a control
/// character, a space inside) is refused too: it would break or forge the request's headers.
/// Reads are capped at `InputFileLimit.bearerToken`.
///
/// A read failure is `.unreachable` (the agent retries, and the file may be mid-swap), a bad
/// content `.invalid`; the message names the path.
public final class KubeBearerToken: @unchecked Sendable {
    /// The file read, or nil for a fixed token.
    public let path: String?
    /// How messages name the token: `in-cluster (…): token file /var/run/…/token`.
    public let label: String
    private let fixed: String?
    private let lock = NSLock()
    private var cached: (identity: FileIdentity, token: String)?

    /// A token given inline (checked by `current()` as a file's is).
    public init(token: String, label: String) {
        path = nil
        self.label = label
        fixed = token
    }

    /// A token read from `path`, now and whenever the file changes.
    public init(file path: String, label: String) {
        self.path = path
        self.label = label
        fixed = nil
    }

    /// The token to send now.
    public func current() throws(LeaseSourceError) -> String {
        if let fixed { return try Self.check(fixed, label: label) }
        guard let path else { preconditionFailure("a bearer token is either fixed or a file") }
        lock.lock()
        defer { lock.unlock() }
        var info = stat()
        guard stat(path, &info) == 0 else {
            let error = InputFileError(path: path, reason: .system(call: "open", errno: errno))
            throw LeaseSourceError(.unreachable, source: label, "cannot read the file (\(error.message))")
        }
        let identity = FileIdentity(info)
        if let cached, cached.identity == identity { return cached.token }
        let bytes: [UInt8]
        do {
            bytes = try InputFile.read(path, limit: .bearerToken)
        } catch {
            let kind: LeaseSourceError.Kind = if case .overCap = error.reason { .invalid } else { .unreachable }
            throw LeaseSourceError(kind, source: label, "cannot read the file (\(error.message))")
        }
        let token = try Self.check(String(decoding: bytes, as: UTF8.self), label: label)
        cached = (identity, token)
        return token
    }

    /// The token trimmed, refused when empty or when it holds what a header cannot.
    static func check(_ text: String, label: String) throws(LeaseSourceError) -> String {
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else {
            throw LeaseSourceError(.invalid, source: label, "the token is empty")
        }
        // RFC 6750's token68 is narrower still; anything printable without spaces is what
        // client-go would send and what a header can hold.
        guard token.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw LeaseSourceError(
                .invalid, source: label, "the token holds a space, a control character or non-ASCII text, which a request header cannot carry"
            )
        }
        return token
    }
}

/// What tells a rewritten or replaced file from the one read before.
struct FileIdentity: Equatable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modified: timespec
    var changed: timespec

    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        #if canImport(Darwin)
        modified = info.st_mtimespec
        changed = info.st_ctimespec
        #else
        modified = info.st_mtim
        changed = info.st_ctim
        #endif
    }

    static func == (lhs: FileIdentity, rhs: FileIdentity) -> Bool {
        lhs.device == rhs.device && lhs.inode == rhs.inode && lhs.size == rhs.size
            && lhs.modified.tv_sec == rhs.modified.tv_sec && lhs.modified.tv_nsec == rhs.modified.tv_nsec
            && lhs.changed.tv_sec == rhs.changed.tv_sec && lhs.changed.tv_nsec == rhs.changed.tv_nsec
    }
}
