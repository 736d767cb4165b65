import Glibc

/// An errno value with its C name, as swift-system's `Errno` models it (this module keeps the
/// few it needs rather than depend on the package): callers outside the seam compare and
/// name errors without importing libc.
public struct Errno: Error, RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The calling thread's `errno` now.
    public static var current: Errno { Errno(rawValue: Glibc.errno) }

    public static let notPermitted = Errno(rawValue: EPERM)
    public static let noSuchFileOrDirectory = Errno(rawValue: ENOENT)
    public static let noSuchProcess = Errno(rawValue: ESRCH)
    public static let interrupted = Errno(rawValue: EINTR)
    /// `ERESTART`: nf_tables refuses a batch whose `NFNL_BATCH_GENID` is no longer current.
    public static let restart = Errno(rawValue: ERESTART)
    public static let fileExists = Errno(rawValue: EEXIST)
    public static let noSuchDevice = Errno(rawValue: ENODEV)
    public static let invalidArgument = Errno(rawValue: EINVAL)
    public static let addressNotAvailable = Errno(rawValue: EADDRNOTAVAIL)
    public static let networkUnreachable = Errno(rawValue: ENETUNREACH)
    public static let hostUnreachable = Errno(rawValue: EHOSTUNREACH)
    /// `EAFNOSUPPORT`: what rtnetlink answers for a family it has no handler for (IPv6 in a
    /// kernel booted with `ipv6.disable=1`).
    public static let addressFamilyNotSupported = Errno(rawValue: EAFNOSUPPORT)
    public static let operationNotSupported = Errno(rawValue: EOPNOTSUPP)

    /// The symbolic name (`EEXIST`) of the errnos netlink commonly returns; `errno N` for the rest.
    public var name: String { Errno.names[rawValue] ?? "errno \(rawValue)" }

    /// libc's text for it (`File exists`).
    public var message: String {
        guard let text = strerror(rawValue) else { return "errno \(rawValue)" }
        return String(cString: text)
    }

    public var description: String { "\(message) (\(name))" }

    /// Built once.
    private static let names: [Int32: String] = [
        EPERM: "EPERM", ENOENT: "ENOENT", ESRCH: "ESRCH", EINTR: "EINTR", EIO: "EIO", ENXIO: "ENXIO",
        E2BIG: "E2BIG", EBADF: "EBADF", EAGAIN: "EAGAIN", ENOMEM: "ENOMEM", EACCES: "EACCES",
        EFAULT: "EFAULT", EBUSY: "EBUSY", EEXIST: "EEXIST", ENODEV: "ENODEV", EINVAL: "EINVAL",
        ENFILE: "ENFILE", EMFILE: "EMFILE", ENOSPC: "ENOSPC", ERANGE: "ERANGE", ENOTSUP: "EOPNOTSUPP",
        EMSGSIZE: "EMSGSIZE", EPROTONOSUPPORT: "EPROTONOSUPPORT", EAFNOSUPPORT: "EAFNOSUPPORT",
        EADDRINUSE: "EADDRINUSE", EADDRNOTAVAIL: "EADDRNOTAVAIL", ENETDOWN: "ENETDOWN",
        ENETUNREACH: "ENETUNREACH", ENOBUFS: "ENOBUFS", ETIMEDOUT: "ETIMEDOUT", ECONNREFUSED: "ECONNREFUSED",
        EHOSTUNREACH: "EHOSTUNREACH", ENOPROTOOPT: "ENOPROTOOPT", ENOTCONN: "ENOTCONN",
    ]
}

/// The system calls of this seam that can be interrupted by a signal.
public enum Syscall {
    /// Runs `call` again while it fails with `EINTR` (a negative result and `errno == EINTR`);
    /// returns the first other result, with `errno` as that call left it.
    @inlinable
    public static func retryingOnInterrupt<Result: BinaryInteger>(_ call: () -> Result) -> Result {
        while true {
            let result = call()
            if result < 0 && Glibc.errno == EINTR { continue }
            return result
        }
    }

    /// The whole content of a small file (`/proc/self/status`), or the errno of the failing
    /// `open` or `read`.
    public static func readFile(_ path: String, chunkSize: Int = 4096) -> Result<[UInt8], Errno> {
        let fd = retryingOnInterrupt { open(path, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { return .failure(.current) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        while true {
            let count = retryingOnInterrupt { chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) } }
            guard count >= 0 else { return .failure(.current) }
            if count == 0 { return .success(bytes) }
            bytes += chunk[0..<count]
        }
    }
}
