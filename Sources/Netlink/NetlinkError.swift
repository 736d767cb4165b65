import Glibc

/// A failed netlink operation: which step failed, the errno the kernel (or libc) gave, and the
/// kernel's own explanation when it sent one (the extended ack, `NLMSGERR_ATTR_MSG`).
///
/// The kernel's errno alone is often useless ("Invalid argument"); the extended ack usually names
/// the attribute it disliked, so it is kept and printed.
public struct NetlinkError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Operation: Hashable, Sendable {
        case open
        case bind
        case setOption(String)
        case send
        case receive
        /// A request the kernel answered with an error, e.g. `"RTM_NEWROUTE 10.244.1.0/24"`.
        case request(String)
        case decode
        /// A libnftnl object or buffer could not be allocated (`"nftnl_rule"`).
        case allocate(String)
    }

    public var operation: Operation
    /// Positive errno; 0 when the failure is not an errno (a decode error, a protocol mismatch).
    public var errno: Int32
    /// `NLMSGERR_ATTR_MSG` text from the kernel.
    public var extendedAck: String?
    public var sequence: UInt32?
    /// Free text: what was being decoded, at which offset, which device.
    public var detail: String?

    public init(
        _ operation: Operation, errno: Int32 = 0, extendedAck: String? = nil, sequence: UInt32? = nil,
        detail: String? = nil
    ) {
        self.operation = operation
        self.errno = errno
        self.extendedAck = extendedAck
        self.sequence = sequence
        self.detail = detail
    }

    /// A decode failure of kernel bytes, with the byte offset where it happened.
    public static func decode(_ what: String, offset: Int) -> NetlinkError {
        NetlinkError(.decode, detail: "\(what) at offset \(offset)")
    }

    /// `RTM_NEWROUTE 10.244.1.0/24: File exists (EEXIST): <extack>`.
    public var description: String {
        var head: String
        switch operation {
        case .open: head = "netlink socket open"
        case .bind: head = "netlink socket bind"
        case .setOption(let name): head = "netlink setsockopt \(name)"
        case .send: head = "netlink send"
        case .receive: head = "netlink receive"
        case .request(let what): head = what
        case .decode: head = "netlink decode"
        case .allocate(let what): head = "\(what) allocation"
        }
        if let detail, !detail.isEmpty { head += " (\(detail))" }
        var parts = [head]
        if errno != 0 { parts.append(code.description) }
        if let extendedAck, !extendedAck.isEmpty { parts.append(extendedAck) }
        var text = parts.joined(separator: ": ")
        if let sequence { text += " [seq \(sequence)]" }
        return text
    }

    /// The errno as a typed value.
    public var code: Errno { Errno(rawValue: errno) }

    /// libnftnl could not allocate an object: the one way out-of-memory leaves the seam.
    public static func outOfMemory(_ what: String) -> NetlinkError {
        NetlinkError(.allocate(what), errno: ENOMEM)
    }
}
