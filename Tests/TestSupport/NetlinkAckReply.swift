import CMnl
import Netlink

/// The `NLMSG_ERROR` a kernel answers a request with: errno 0 is an ACK; a text becomes the
/// extended ACK (`NLMSGERR_ATTR_MSG`, with `NLM_F_ACK_TLVS`), as the kernel sends it. The fake
/// transports of the Netlink and Apply tests both answer with it.
public func netlinkAck(to request: NetlinkMessage, errno: Int32, extendedAck: String?, portID: UInt32) -> NetlinkMessage {
    var payload: [UInt8] = []
    withUnsafeBytes(of: -errno) { payload += $0 }
    payload += NetlinkMessage(type: request.type, flags: request.flags, sequence: request.sequence, portID: portID, payload: []).bytes
    var flags = UInt16(NLM_F_CAPPED)
    if let extendedAck {
        flags |= UInt16(NLM_F_ACK_TLVS)
        let text = Array(extendedAck.utf8) + [0]
        withUnsafeBytes(of: UInt16(4 + text.count)) { payload += $0 }
        withUnsafeBytes(of: UInt16(NLMSGERR_ATTR_MSG.rawValue)) { payload += $0 }
        payload += text
        while payload.count % 4 != 0 { payload.append(0) }
    }
    return NetlinkMessage(type: UInt16(NLMSG_ERROR), flags: flags, sequence: request.sequence, portID: portID, payload: payload)
}
