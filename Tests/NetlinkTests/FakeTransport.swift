import TestSupport
import CMnl
import Netlink

/// A scripted kernel: records what was sent and answers each send with datagrams produced by
/// `respond`, queued for `receive()`. Lets the dump and batch logic run without root.
final class FakeTransport: NetlinkTransport {
    let portID: UInt32 = 4242
    private var sequence: UInt32 = 100
    private(set) var sent: [[UInt8]] = []
    private var queue: [[UInt8]] = []
    /// Gets every message of a send (parsed) and returns the datagrams to queue.
    var respond: (_ messages: [NetlinkMessage], _ sendIndex: Int) -> [[UInt8]]

    init(respond: @escaping (_ messages: [NetlinkMessage], _ sendIndex: Int) -> [[UInt8]]) {
        self.respond = respond
    }

    func nextSequence() -> UInt32 {
        sequence += 1
        return sequence
    }

    func send(_ bytes: [UInt8]) throws(NetlinkError) {
        sent.append(bytes)
        queue += respond(try NetlinkMessage.parse(bytes), sent.count - 1)
    }

    func receive() throws(NetlinkError) -> [UInt8] {
        guard !queue.isEmpty else { throw NetlinkError(.receive, errno: 11, detail: "fake: nothing queued (would block)") }
        return queue.removeFirst()
    }

    // MARK: building kernel replies

    func reply(to request: NetlinkMessage, type: UInt16, flags: UInt16 = 0, payload: [UInt8] = []) -> NetlinkMessage {
        NetlinkMessage(type: type, flags: flags, sequence: request.sequence, portID: portID, payload: payload)
    }

    func done(to request: NetlinkMessage, flags: UInt16 = UInt16(NLM_F_MULTI)) -> NetlinkMessage {
        reply(to: request, type: UInt16(NLMSG_DONE), flags: flags, payload: [0, 0, 0, 0])
    }

    /// An `NLMSG_ERROR` as the kernel sends it with `NETLINK_CAP_ACK` and extended acks on.
    func ack(to request: NetlinkMessage, errno: Int32 = 0, message: String? = nil) -> NetlinkMessage {
        netlinkAck(to: request, errno: errno, extendedAck: message, portID: portID)
    }
}

func datagram(_ messages: [NetlinkMessage]) -> [UInt8] { messages.flatMap(\.bytes) }
