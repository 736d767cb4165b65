/// One netlink attribute (TLV): its type (with the nested/byte-order flag bits cleared) and its
/// value bytes. Parsing is pure and bounds-checked: kernel input never crashes the decoder.
public struct NetlinkAttribute: Hashable, Sendable {
    public var type: UInt16
    /// `NLA_F_NESTED` was set.
    public var isNested: Bool
    public var value: [UInt8]
    /// Offset of the attribute's header in the message, for error messages.
    public var offset: Int

    public init(type: UInt16, isNested: Bool = false, value: [UInt8], offset: Int = 0) {
        self.type = type
        self.isNested = isNested
        self.value = value
        self.offset = offset
    }

    /// Walks the attributes in `bytes[start...]`.
    /// - Parameter baseOffset: added to offsets in errors, so they point into the message.
    /// - Throws: a decode error with the offset of an attribute whose length is below 4 or runs
    ///   past the end.
    public static func parse(_ bytes: [UInt8], from start: Int = 0, baseOffset: Int = 0) throws(NetlinkError) -> [NetlinkAttribute] {
        var attributes: [NetlinkAttribute] = []
        var offset = start
        while bytes.count - offset >= 4 {
            let length = Int(bytes.loadUInt16(at: offset))
            let rawType = bytes.loadUInt16(at: offset + 2)
            guard length >= 4, length <= bytes.count - offset else {
                throw NetlinkError.decode("attribute type \(rawType & 0x3fff) length \(length)", offset: baseOffset + offset)
            }
            attributes.append(NetlinkAttribute(
                type: rawType & 0x3fff, isNested: rawType & 0x8000 != 0,
                value: Array(bytes[(offset + 4)..<(offset + length)]), offset: baseOffset + offset
            ))
            offset += (length + 3) & ~3
        }
        return attributes
    }

    /// The attributes nested inside this one.
    public func nested() throws(NetlinkError) -> [NetlinkAttribute] {
        try NetlinkAttribute.parse(value, baseOffset: offset + 4)
    }

    public var uint8: UInt8? { value.count >= 1 ? value[0] : nil }
    public var uint16: UInt16? { value.count >= 2 ? value.loadUInt16(at: 0) : nil }
    public var uint32: UInt32? { value.count >= 4 ? value.loadUInt32(at: 0) : nil }
    /// A 16-bit value in network byte order (ports: `IFLA_VXLAN_PORT`).
    public var bigEndianUInt16: UInt16? { value.count >= 2 ? UInt16(value[0]) << 8 | UInt16(value[1]) : nil }
    /// A 32-bit value in network byte order, as a host-order number (IPv4 addresses).
    public var bigEndianUInt32: UInt32? {
        value.count >= 4 ? UInt32(value[0]) << 24 | UInt32(value[1]) << 16 | UInt32(value[2]) << 8 | UInt32(value[3]) : nil
    }

    /// A NUL-terminated string (the terminator and anything after it dropped).
    public var string: String {
        let end = value.firstIndex(of: 0) ?? value.count
        return String(decoding: value[..<end], as: UTF8.self)
    }

    /// The value, checked to be at least `count` bytes, else a decode error naming `what`.
    public func require(_ count: Int, _ what: String) throws(NetlinkError) -> [UInt8] {
        guard value.count >= count else {
            throw NetlinkError.decode("\(what): \(value.count) bytes, expected \(count)", offset: offset)
        }
        return value
    }
}
