import CMnl
import Glibc

/// A netlink socket (libmnl underneath), configured for reliable request/reply work:
/// extended acks on, acks capped to the header, strict dump checking on `NETLINK_ROUTE` so the
/// kernel filters dumps, and large socket buffers so a batch of thousands of requests does not
/// overflow the receive queue.
///
/// Not `Sendable`: a socket and its sequence counter belong to one task at a time.
public final class NetlinkSocket: NetlinkTransport {
    private var handle: OpaquePointer?
    public let netlinkProtocol: Int32
    public let portID: UInt32
    /// Whether `NETLINK_GET_STRICT_CHK` took (kernels before 4.20 refuse it; dumps then come
    /// back unfiltered and callers must filter themselves).
    public private(set) var strictChecking: Bool = false
    private var sequence: UInt32
    private var buffer: [UInt8]

    /// Large enough for any datagram the kernel sends: dumps are capped at 32 KiB per datagram.
    public static let receiveBufferSize = 128 * 1024
    /// The socket receive buffer asked for (the kernel doubles it for bookkeeping).
    public static let socketReceiveBuffer: Int32 = 8 * 1024 * 1024
    public static let socketSendBuffer: Int32 = 2 * 1024 * 1024

    /// Opens and binds a socket.
    /// - Parameters:
    ///   - protocol: `NETLINK_ROUTE` or `NETLINK_NETFILTER`.
    ///   - groups: multicast groups to join at bind time (0 for request/reply only).
    public init(protocol netlinkProtocol: Int32, groups: UInt32 = 0) throws(NetlinkError) {
        guard let handle = mnl_socket_open2(netlinkProtocol, Int32(SOCK_CLOEXEC.rawValue)) else {
            throw NetlinkError(.open, errno: Glibc.errno, detail: "protocol \(netlinkProtocol)")
        }
        self.handle = handle
        self.netlinkProtocol = netlinkProtocol
        if mnl_socket_bind(handle, groups, pid_t(MNL_SOCKET_AUTOPID)) < 0 {
            let code = Glibc.errno
            mnl_socket_close(handle)
            throw NetlinkError(.bind, errno: code, detail: "groups \(groups)")
        }
        portID = mnl_socket_get_portid(handle)
        // Seeded from the clock as iproute2 does, so replies to a previous process with the same
        // port id are not mistaken for ours.
        sequence = UInt32(truncatingIfNeeded: time(nil))
        buffer = [UInt8](repeating: 0, count: NetlinkSocket.receiveBufferSize)
        do {
            try setNetlinkOption(NETLINK_EXT_ACK, "NETLINK_EXT_ACK")
            try setNetlinkOption(NETLINK_CAP_ACK, "NETLINK_CAP_ACK")
            if netlinkProtocol == NETLINK_ROUTE {
                strictChecking = (try? setNetlinkOption(NETLINK_GET_STRICT_CHK, "NETLINK_GET_STRICT_CHK")) != nil
            }
            try setBuffer(force: SO_RCVBUFFORCE, plain: SO_RCVBUF, size: NetlinkSocket.socketReceiveBuffer, "SO_RCVBUF")
            try setBuffer(force: SO_SNDBUFFORCE, plain: SO_SNDBUF, size: NetlinkSocket.socketSendBuffer, "SO_SNDBUF")
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    public var fileDescriptor: Int32 { handle.map { mnl_socket_get_fd($0) } ?? -1 }

    public func nextSequence() -> UInt32 {
        sequence &+= 1
        return sequence
    }

    /// Sends a whole buffer in one `sendto` to the kernel. Netlink datagrams are sent whole or
    /// not at all, so a short write cannot happen; `EMSGSIZE` means the buffer exceeds the send
    /// buffer.
    public func send(_ bytes: [UInt8]) throws(NetlinkError) {
        guard let handle else { throw NetlinkError(.send, errno: EBADF, detail: "socket closed") }
        let sent = Syscall.retryingOnInterrupt { bytes.withUnsafeBytes { mnl_socket_sendto(handle, $0.baseAddress, $0.count) } }
        if sent < 0 { throw NetlinkError(.send, errno: Glibc.errno, detail: "\(bytes.count) bytes") }
    }

    /// Receives one datagram from the kernel. `MSG_TRUNC` reports the datagram's real size, so a
    /// datagram larger than the buffer is an error rather than silently cut replies.
    public func receive() throws(NetlinkError) -> [UInt8] {
        guard handle != nil else { throw NetlinkError(.receive, errno: EBADF, detail: "socket closed") }
        let fd = fileDescriptor
        while true {
            var address = sockaddr_nl()
            let capacity = buffer.count
            let received = Syscall.retryingOnInterrupt { buffer.withUnsafeMutableBytes { raw -> Int in
                withUnsafeMutablePointer(to: &address) { addressPointer in
                    var vector = iovec(iov_base: raw.baseAddress, iov_len: capacity)
                    return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                        var message = msghdr()
                        message.msg_name = UnsafeMutableRawPointer(addressPointer)
                        message.msg_namelen = socklen_t(MemoryLayout<sockaddr_nl>.size)
                        message.msg_iov = vectorPointer
                        message.msg_iovlen = 1
                        return recvmsg(fd, &message, Int32(MSG_TRUNC))
                    }
                }
            } }
            if received < 0 { throw NetlinkError(.receive, errno: Glibc.errno) }
            if received > capacity {
                throw NetlinkError(.receive, errno: EMSGSIZE, detail: "datagram of \(received) bytes truncated to \(capacity)")
            }
            // Only the kernel (port 0) speaks to us; anything else is ignored.
            if address.nl_pid != 0 { continue }
            return Array(buffer[0..<received])
        }
    }

    /// `SO_RCVBUF` as the kernel reports it (twice what was asked: it counts its bookkeeping).
    public var receiveBufferBytes: Int? {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fileDescriptor, SOL_SOCKET, SO_RCVBUF, &value, &length) == 0 else { return nil }
        return Int(value)
    }

    /// Sets `SO_RCVTIMEO`, so a receive that waits for a reply that never comes fails with
    /// `EAGAIN` instead of hanging. Zero waits forever (the default).
    public func setReceiveTimeout(milliseconds: Int) throws(NetlinkError) {
        var value = timeval(tv_sec: milliseconds / 1000, tv_usec: (milliseconds % 1000) * 1000)
        if setsockopt(fileDescriptor, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size)) < 0 {
            throw NetlinkError(.setOption("SO_RCVTIMEO"), errno: Glibc.errno)
        }
    }

    /// Joins a multicast group after bind (`NETLINK_ADD_MEMBERSHIP`), for groups above 32.
    public func join(group: UInt32) throws(NetlinkError) {
        try setNetlinkOption(NETLINK_ADD_MEMBERSHIP, "NETLINK_ADD_MEMBERSHIP", value: Int32(bitPattern: group))
    }

    public func close() {
        if let handle {
            mnl_socket_close(handle)
            self.handle = nil
        }
    }

    private func setNetlinkOption(_ option: Int32, _ name: String, value: Int32 = 1) throws(NetlinkError) {
        guard let handle else { throw NetlinkError(.setOption(name), errno: EBADF) }
        var value = value
        if mnl_socket_setsockopt(handle, option, &value, socklen_t(MemoryLayout<Int32>.size)) < 0 {
            throw NetlinkError(.setOption(name), errno: Glibc.errno)
        }
    }

    /// The `FORCE` variant ignores `rmem_max`/`wmem_max` but needs `CAP_NET_ADMIN`; without it
    /// the plain option still gets what the sysctl allows.
    private func setBuffer(force: Int32, plain: Int32, size: Int32, _ name: String) throws(NetlinkError) {
        let fd = fileDescriptor
        var value = size
        let length = socklen_t(MemoryLayout<Int32>.size)
        if setsockopt(fd, SOL_SOCKET, force, &value, length) == 0 { return }
        if setsockopt(fd, SOL_SOCKET, plain, &value, length) == 0 { return }
        throw NetlinkError(.setOption(name), errno: Glibc.errno, detail: "\(size) bytes")
    }
}
