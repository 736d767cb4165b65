import CMnl

/// One netlink message cut out of a datagram: its header fields and its payload (everything
/// after the 16-byte `nlmsghdr`, up to `nlmsg_len`). Pure: parsing touches no socket.
public struct NetlinkMessage: Hashable, Sendable {
    public var type: UInt16
    public var flags: UInt16
    public var sequence: UInt32
    public var portID: UInt32
    public var payload: [UInt8]

    public static let headerLength = 16

    public init(type: UInt16, flags: UInt16, sequence: UInt32, portID: UInt32, payload: [UInt8]) {
        self.type = type
        self.flags = flags
        self.sequence = sequence
        self.portID = portID
        self.payload = payload
    }

    public var isError: Bool { type == UInt16(NLMSG_ERROR) }
    public var isDone: Bool { type == UInt16(NLMSG_DONE) }
    /// The dump this message belongs to was interrupted by a concurrent change: its content may
    /// be inconsistent and the dump must be repeated.
    public var isDumpInterrupted: Bool { flags & UInt16(NLM_F_DUMP_INTR) != 0 }
    public var isMultipart: Bool { flags & UInt16(NLM_F_MULTI) != 0 }

    /// Splits a datagram into its messages.
    ///
    /// Throws a decode error naming the offset when a header is cut short or claims a length
    /// that runs past the datagram; padding after the last message is ignored.
    public static func parse(_ datagram: [UInt8]) throws(NetlinkError) -> [NetlinkMessage] {
        var messages: [NetlinkMessage] = []
        var offset = 0
        while datagram.count - offset >= headerLength {
            let length = Int(datagram.loadUInt32(at: offset))
            guard length >= headerLength, length <= datagram.count - offset else {
                throw NetlinkError.decode("netlink message length \(length) of \(datagram.count - offset) bytes left", offset: offset)
            }
            messages.append(NetlinkMessage(
                type: datagram.loadUInt16(at: offset + 4),
                flags: datagram.loadUInt16(at: offset + 6),
                sequence: datagram.loadUInt32(at: offset + 8),
                portID: datagram.loadUInt32(at: offset + 12),
                payload: Array(datagram[(offset + headerLength)..<(offset + length)])
            ))
            offset += (length + 3) & ~3
        }
        if offset < datagram.count && datagram[offset...].contains(where: { $0 != 0 }) {
            throw NetlinkError.decode("trailing \(datagram.count - offset) bytes, too short for a header", offset: offset)
        }
        return messages
    }

    /// The message back in wire form (header plus payload), as a fixture or a fake kernel needs.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(NetlinkMessage.headerLength + payload.count)
        out.appendUInt32(UInt32(NetlinkMessage.headerLength + payload.count))
        out.appendUInt16(type)
        out.appendUInt16(flags)
        out.appendUInt32(sequence)
        out.appendUInt32(portID)
        out += payload
        while out.count % 4 != 0 { out.append(0) }
        return out
    }
}

/// Native-endian loads and stores: netlink headers and most attributes are in host order.
extension Array where Element == UInt8 {
    @inlinable func loadUInt16(at offset: Int) -> UInt16 {
        UInt16(littleEndianOrNative: self, offset)
    }

    @inlinable func loadUInt32(at offset: Int) -> UInt32 {
        UInt32(littleEndianOrNative: self, offset)
    }

    @inlinable mutating func appendUInt16(_ value: UInt16) {
        Swift.withUnsafeBytes(of: value) { append(contentsOf: $0) }
    }

    @inlinable mutating func appendUInt32(_ value: UInt32) {
        Swift.withUnsafeBytes(of: value) { append(contentsOf: $0) }
    }

    @inlinable mutating func storeUInt32(_ value: UInt32, at offset: Int) {
        Swift.withUnsafeBytes(of: value) { bytes in
            for index in 0..<4 { self[offset + index] = bytes[index] }
        }
    }
}

extension FixedWidthInteger {
    /// Reads `Self` in host byte order from `bytes[offset...]`; the caller checks the bounds.
    @inlinable init(littleEndianOrNative bytes: [UInt8], _ offset: Int) {
        var value = Self.zero
        withUnsafeMutableBytes(of: &value) { raw in
            for index in 0..<MemoryLayout<Self>.size { raw[index] = bytes[offset + index] }
        }
        self = value
    }
}
