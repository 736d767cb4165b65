/// The four operations the request/reply logic (`dump`, `transact`, `execute`) needs from a
/// socket. `NetlinkSocket` is the real one; tests substitute a scripted fake so that sequence
/// matching, `NLM_F_DUMP_INTR` retries and ACK correlation are checked without root.
public protocol NetlinkTransport: AnyObject {
    /// The port id the kernel addresses replies to (`nlmsg_pid` of every reply).
    var portID: UInt32 { get }
    func nextSequence() -> UInt32
    /// Sends one buffer (possibly many messages) in one system call.
    func send(_ bytes: [UInt8]) throws(NetlinkError)
    /// Receives one datagram.
    func receive() throws(NetlinkError) -> [UInt8]
    /// The kernel's accounting limit of the receive queue (`SO_RCVBUF` as read back), which
    /// bounds how many replies may be outstanding; nil when unknown (no limit applied).
    var receiveBufferBytes: Int? { get }
}

extension NetlinkTransport {
    public var receiveBufferBytes: Int? { nil }
}
