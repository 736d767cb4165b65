/// An input file refused before it was parsed: not a regular file, over its cap, or a system
/// call failed. The message names the path and, for system calls, the errno by name
/// (`EACCES: permission denied`), never a Foundation error domain.
public struct InputFileError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Reason: Sendable, Hashable {
        /// `stat` says the path is something else: `is a directory`, `is a FIFO`, ….
        case notRegularFile(String)
        /// The file holds more than the cap; `bytes` is its size when known (nil for standard input,
        /// which is not read past the cap).
        case overCap(bytes: Int?, limit: InputFileLimit)
        /// A system call failed: what was being done and the errno.
        case system(call: String, errno: Int32)
    }

    /// The path as given (`-` for standard input).
    public var path: String
    public var reason: Reason

    public init(path: String, reason: Reason) {
        self.path = path
        self.reason = reason
    }

    /// The message without the path: `is a FIFO, expected a regular file or - for standard input`.
    public var message: String {
        switch reason {
        case .notRegularFile(let what):
            return "\(what), expected a regular file or - for standard input"
        case let .overCap(bytes?, limit):
            return "\(bytes) bytes, over the \(limit.text) cap for \(limit.name)"
        case let .overCap(nil, limit):
            return "more than \(limit.bytes) bytes, over the \(limit.text) cap for \(limit.name)"
        case let .system(call, code):
            let described = "\(Errno.name(code)): \(Errno.text(code))"
            return call == "open" ? described : "\(call) failed: \(described)"
        }
    }

    /// `/tmp/x: is a FIFO, expected a regular file or - for standard input`.
    public var description: String { "\(path): \(message)" }
}
