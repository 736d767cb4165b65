/// Bounds-checked reads of a message's fixed family header (`ifinfomsg`, `rtmsg`, …) and of the
/// attributes after it. The length is checked once in `init`; reads inside the header are then
/// safe.
struct PayloadReader {
    let payload: [UInt8]
    let headerSize: Int

    init(_ message: NetlinkMessage, header size: Int, what: String) throws(NetlinkError) {
        guard message.payload.count >= size else {
            throw NetlinkError.decode(
                "\(what): payload of \(message.payload.count) bytes, header needs \(size)",
                offset: NetlinkMessage.headerLength
            )
        }
        payload = message.payload
        headerSize = size
    }

    /// The attributes after the 4-byte aligned family header; offsets in errors count from the
    /// start of the message.
    func attributes() throws(NetlinkError) -> [NetlinkAttribute] {
        try NetlinkAttribute.parse(payload, from: (headerSize + 3) & ~3, baseOffset: NetlinkMessage.headerLength)
    }
}

extension NetlinkAttribute {
    /// An IPv4 address in network order, as a host-order number; a decode error when shorter
    /// than 4 bytes.
    func ipv4(_ what: String) throws(NetlinkError) -> UInt32 {
        _ = try require(4, what)
        return bigEndianUInt32 ?? 0
    }

    /// A host-order u32; a decode error when shorter than 4 bytes.
    func u32(_ what: String) throws(NetlinkError) -> UInt32 {
        _ = try require(4, what)
        return uint32 ?? 0
    }

    /// A MAC address when the value is 6 bytes (other link types carry other lengths), the first
    /// byte most significant.
    var mac: UInt64? {
        guard value.count == 6 else { return nil }
        return value.reduce(0) { $0 << 8 | UInt64($1) }
    }
}
