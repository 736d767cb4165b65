import TestSupport
import CMnl
import Netlink

/// A scripted rtnetlink kernel for the executor: it answers `RTM_GETLINK` dumps from its device
/// table, gives a new device an index when an `RTM_NEWLINK` creates it, and answers every other
/// request with the errno `answer` picks (0: an ACK). ACKs of one datagram come back in reverse
/// order, so only matching by sequence number can pair them with their requests.
final class FakeRouteKernel: NetlinkTransport {
    let portID: UInt32 = 777
    private var sequence: UInt32 = 5000
    private(set) var devices: [String: UInt32]
    private var nextIndex: UInt32 = 100
    /// Every `sendmsg`, parsed.
    private(set) var sends: [[NetlinkMessage]] = []
    /// Change requests (not dumps), in the order the kernel ran them.
    private(set) var handled: [NetlinkMessage] = []
    /// errno and extended-ack text for a request; (0, nil) acknowledges it.
    var answer: (NetlinkMessage) -> (errno: Int32, text: String?) = { _ in (0, nil) }
    private var queue: [[UInt8]] = []

    init(devices: [String: UInt32] = ["lo": 1, "eth0": 2]) {
        self.devices = devices
    }

    func nextSequence() -> UInt32 {
        sequence += 1
        return sequence
    }

    /// `sendmsg` calls that carried changes (dumps excluded).
    var changeSends: [[NetlinkMessage]] { sends.filter { $0.first?.type != UInt16(RTM_GETLINK) } }

    func send(_ bytes: [UInt8]) throws(NetlinkError) {
        let messages = try NetlinkMessage.parse(bytes)
        sends.append(messages)
        var acks: [NetlinkMessage] = []
        for message in messages {
            if message.type == UInt16(RTM_GETLINK) {
                queue.append(linkDump(to: message))
                continue
            }
            handled.append(message)
            let (errno, text) = answer(message)
            if errno == 0 { track(message) }
            acks.append(ack(to: message, errno: errno, text: text))
        }
        if !acks.isEmpty { queue.append(acks.reversed().flatMap(\.bytes)) }
    }

    func receive() throws(NetlinkError) -> [UInt8] {
        guard !queue.isEmpty else { throw NetlinkError(.receive, errno: EAGAIN, detail: "fake kernel: nothing queued") }
        return queue.removeFirst()
    }

    // MARK: the kernel's side

    private func track(_ message: NetlinkMessage) {
        let flags = Int32(message.flags)
        if message.type == UInt16(RTM_NEWLINK), flags & NLM_F_CREATE != 0, let name = FakeRouteKernel.name(in: message) {
            devices[name] = nextIndex
            nextIndex += 1
        } else if message.type == UInt16(RTM_DELLINK) {
            let index = FakeRouteKernel.uint32(message.payload, at: 4)
            devices = devices.filter { $0.value != index }
        }
    }

    private func linkDump(to request: NetlinkMessage) -> [UInt8] {
        var bytes: [UInt8] = []
        for (name, index) in devices.sorted(by: { $0.value < $1.value }) {
            var payload = [UInt8](repeating: 0, count: 16)
            withUnsafeBytes(of: index) { for offset in 0..<4 { payload[4 + offset] = $0[offset] } }
            let text = Array(name.utf8) + [0]
            withUnsafeBytes(of: UInt16(4 + text.count)) { payload += $0 }
            withUnsafeBytes(of: UInt16(IFLA_IFNAME)) { payload += $0 }
            payload += text
            while payload.count % 4 != 0 { payload.append(0) }
            bytes += NetlinkMessage(
                type: UInt16(RTM_NEWLINK), flags: UInt16(NLM_F_MULTI), sequence: request.sequence, portID: portID, payload: payload
            ).bytes
        }
        bytes += NetlinkMessage(
            type: UInt16(NLMSG_DONE), flags: UInt16(NLM_F_MULTI), sequence: request.sequence, portID: portID, payload: [0, 0, 0, 0]
        ).bytes
        return bytes
    }

    /// `NLMSG_ERROR` as the kernel sends it with `NETLINK_CAP_ACK` and extended acks.
    private func ack(to request: NetlinkMessage, errno: Int32, text: String?) -> NetlinkMessage {
        netlinkAck(to: request, errno: errno, extendedAck: text, portID: portID)
    }

    // MARK: reading requests

    static func uint32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        var value: UInt32 = 0
        withUnsafeMutableBytes(of: &value) { for index in 0..<4 { $0[index] = bytes[offset + index] } }
        return value
    }

    /// The attributes after a family header of `headerSize` bytes.
    static func attributes(of message: NetlinkMessage, headerSize: Int) -> [NetlinkAttribute] {
        (try? NetlinkAttribute.parse(message.payload, from: headerSize)) ?? []
    }

    static func name(in message: NetlinkMessage) -> String? {
        attributes(of: message, headerSize: 16).first { Int($0.type) == IFLA_IFNAME }?.string
    }

    /// `RTA_DST` of a route request, as a dotted quad.
    static func routeDestination(_ message: NetlinkMessage) -> String? {
        guard let value = attributes(of: message, headerSize: 12).first(where: { $0.type == UInt16(RTA_DST.rawValue) })?.value,
              value.count == 4
        else { return nil }
        return value.map(String.init).joined(separator: ".")
    }

    static func routeOutputIndex(_ message: NetlinkMessage) -> UInt32? {
        attributes(of: message, headerSize: 12).first { $0.type == UInt16(RTA_OIF.rawValue) }?.uint32
    }
}
