#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one reader of input files (`--net-conf`, `--leases`, `--observed`, `--plan`, the file
/// lease source): a regular file, or standard input for `-`, read whole under a size cap.
///
/// Anything else is refused by what it is before it is opened: a FIFO would block the command
/// forever, `/dev/zero` would fill memory, a directory would give a puzzling system error, and
/// opening some devices has side effects (a watchdog starts its timer). The file is then opened
/// with `O_NONBLOCK` (so a path swapped for a FIFO between `stat` and `open` cannot block) and
/// checked again on the descriptor.
public enum InputFile {
    /// Reads `path`, or standard input for `-`, refusing more than `limit` bytes.
    public static func read(_ path: String, limit: InputFileLimit) throws(InputFileError) -> [UInt8] {
        if path == "-" { return try readStandardInput(limit: limit) }
        let file = try RegularFile(path: path, limit: limit)
        return try file.readAll()
    }

    /// Standard input up to `limit` bytes. It may be a pipe, a FIFO or a terminal: the operator
    /// chose it, so it is read until its end, but never past the cap.
    static func readStandardInput(limit: InputFileLimit) throws(InputFileError) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { systemRead(STDIN_FILENO, $0.baseAddress, $0.count) }
            if count == 0 { return bytes }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN {
                    // Someone left standard input non-blocking: wait for it rather than spin.
                    var wait = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
                    _ = poll(&wait, 1, -1)
                    continue
                }
                throw InputFileError(path: "-", reason: .system(call: "read", errno: errno))
            }
            guard bytes.count + count <= limit.bytes else {
                throw InputFileError(path: "-", reason: .overCap(bytes: nil, limit: limit))
            }
            bytes.append(contentsOf: chunk[..<count])
        }
    }
}

/// An open regular file within its cap; the descriptor is closed when this is released.
public final class RegularFile {
    public let path: String
    public let descriptor: Int32
    /// The size `fstat` gave when it was opened.
    public let size: Int
    let limit: InputFileLimit

    public init(path: String, limit: InputFileLimit) throws(InputFileError) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw InputFileError(path: path, reason: .system(call: "open", errno: errno))
        }
        try Self.check(info, path: path, limit: limit)
        var opened: Int32
        repeat {
            opened = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        } while opened < 0 && errno == EINTR
        guard opened >= 0 else {
            throw InputFileError(path: path, reason: .system(call: "open", errno: errno))
        }
        guard fstat(opened, &info) == 0 else {
            let code = errno
            close(opened)
            throw InputFileError(path: path, reason: .system(call: "fstat", errno: code))
        }
        do {
            try Self.check(info, path: path, limit: limit)
        } catch {
            close(opened)
            throw error
        }
        self.path = path
        descriptor = opened
        size = Int(info.st_size)
        self.limit = limit
    }

    deinit { close(descriptor) }

    private static func check(_ info: stat, path: String, limit: InputFileLimit) throws(InputFileError) {
        let type = info.st_mode & S_IFMT
        guard type == S_IFREG else {
            throw InputFileError(path: path, reason: .notRegularFile(describe(type)))
        }
        guard info.st_size <= limit.bytes else {
            throw InputFileError(path: path, reason: .overCap(bytes: Int(info.st_size), limit: limit))
        }
    }

    static func describe(_ type: mode_t) -> String {
        switch type {
        case S_IFDIR: "is a directory"
        case S_IFIFO: "is a FIFO"
        case S_IFCHR: "is a character device"
        case S_IFBLK: "is a block device"
        case S_IFSOCK: "is a socket"
        default: "is not a regular file"
        }
    }

    /// The whole file, refusing it if it grew past the cap since it was opened.
    public func readAll() throws(InputFileError) -> [UInt8] {
        // One byte more than the cap is room enough to notice a file that grew over it.
        let capacity = min(size, limit.bytes) + 1
        var bytes = [UInt8](repeating: 0, count: capacity)
        var filled = 0
        while true {
            if filled == bytes.count {
                guard bytes.count <= limit.bytes else {
                    throw InputFileError(path: path, reason: .overCap(bytes: nil, limit: limit))
                }
                bytes.append(contentsOf: repeatElement(0, count: min(max(bytes.count, 64 << 10), limit.bytes + 1 - bytes.count)))
            }
            let count = bytes.withUnsafeMutableBytes { buffer in
                systemRead(descriptor, buffer.baseAddress.map { $0 + filled }, buffer.count - filled)
            }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw InputFileError(path: path, reason: .system(call: "read", errno: errno))
            }
            filled += count
        }
        bytes.removeSubrange(filled...)
        return bytes
    }
}

/// `read(2)`, named apart from `InputFile.read` and `RegularFile`'s members.
func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.read(descriptor, buffer, count)
    #else
    Darwin.read(descriptor, buffer, count)
    #endif
}
