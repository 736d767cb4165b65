import CMnl

/// The content of an `NLMSG_ERROR` message (an ACK when `errno` is 0) or of the `int` an
/// `NLMSG_DONE` carries: the kernel's verdict on one request, with its extended-ack text.
public struct NetlinkAck: Hashable, Sendable {
    /// Positive errno; 0 for success.
    public var errno: Int32
    /// The sequence number of the request this answers.
    public var sequence: UInt32
    /// `NLMSGERR_ATTR_MSG`.
    public var message: String?
    /// `NLMSGERR_ATTR_OFFS`: byte offset in the request of the attribute that was refused.
    public var errorOffset: UInt32?

    public var isSuccess: Bool { errno == 0 }

    /// Decodes an `NLMSG_ERROR` message.
    ///
    /// The echoed request is either just its header (`NLM_F_CAPPED`, what `NETLINK_CAP_ACK`
    /// asks for) or the whole request; the TLVs (`NLM_F_ACK_TLVS`) follow it.
    public init(error message: NetlinkMessage) throws(NetlinkError) {
        let payload = message.payload
        guard payload.count >= 4 + NetlinkMessage.headerLength else {
            throw NetlinkError.decode("NLMSG_ERROR payload of \(payload.count) bytes", offset: NetlinkMessage.headerLength)
        }
        let code = Int32(bitPattern: payload.loadUInt32(at: 0))
        errno = code == Int32.min ? Int32.max : abs(code)
        sequence = message.sequence
        var tlvOffset = 4 + NetlinkMessage.headerLength
        if message.flags & UInt16(NLM_F_CAPPED) == 0 {
            let echoed = Int(payload.loadUInt32(at: 4))
            tlvOffset = 4 + ((max(echoed, NetlinkMessage.headerLength) + 3) & ~3)
        }
        if message.flags & UInt16(NLM_F_ACK_TLVS) != 0, tlvOffset < payload.count {
            try decodeTLVs(payload, from: tlvOffset)
        }
    }

    /// Decodes the `NLMSG_DONE` of a dump: an `int` status (negative errno), optionally followed
    /// by extended-ack TLVs. An old kernel may send an empty payload, meaning success.
    public init(done message: NetlinkMessage) throws(NetlinkError) {
        let payload = message.payload
        sequence = message.sequence
        guard payload.count >= 4 else {
            errno = 0
            return
        }
        let code = Int32(bitPattern: payload.loadUInt32(at: 0))
        errno = code == Int32.min ? Int32.max : abs(code)
        if message.flags & UInt16(NLM_F_ACK_TLVS) != 0, payload.count > 4 {
            try decodeTLVs(payload, from: 4)
        }
    }

    private mutating func decodeTLVs(_ payload: [UInt8], from offset: Int) throws(NetlinkError) {
        for attribute in try NetlinkAttribute.parse(payload, from: offset, baseOffset: NetlinkMessage.headerLength) {
            switch attribute.type {
            case UInt16(NLMSGERR_ATTR_MSG.rawValue): message = attribute.string
            case UInt16(NLMSGERR_ATTR_OFFS.rawValue): errorOffset = attribute.uint32
            default: break
            }
        }
    }

    /// The ack as an error of the given request, or nil for success.
    public func error(request: String) -> NetlinkError? {
        guard errno != 0 else { return nil }
        return NetlinkError(.request(request), errno: errno, extendedAck: message, sequence: sequence)
    }
}
