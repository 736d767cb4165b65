/// One attribute of a message, seen in place: its type and where its value lies in the payload.
/// The hot decoders (routes, neighbours: thousands per dump) read attributes through it instead
/// of `NetlinkAttribute`, which copies every value into an array of its own; at 15,000 objects
/// those copies were a third of the decoding time. Checks and error texts are the same.
struct AttributeView {
    let payload: [UInt8]
    /// The attribute's type, nested and byte-order flag bits cleared.
    let type: UInt16
    /// Where the value starts in `payload`, and its length.
    let start: Int
    let count: Int
    /// Offset of the attribute's header in the message, for error messages.
    let offset: Int

    /// The value, checked to be at least `size` bytes, else the decode error
    /// `NetlinkAttribute.require` throws.
    func require(_ size: Int, _ what: String) throws(NetlinkError) {
        guard count >= size else {
            throw NetlinkError.decode("\(what): \(count) bytes, expected \(size)", offset: offset)
        }
    }

    /// An IPv4 address in network order, as a host-order number; a decode error when shorter
    /// than 4 bytes.
    func ipv4(_ what: String) throws(NetlinkError) -> UInt32 {
        try require(4, what)
        return UInt32(payload[start]) << 24 | UInt32(payload[start + 1]) << 16 | UInt32(payload[start + 2]) << 8
            | UInt32(payload[start + 3])
    }

    /// A host-order u32; a decode error when shorter than 4 bytes.
    func u32(_ what: String) throws(NetlinkError) -> UInt32 {
        try require(4, what)
        return hostOrder(UInt32.self, payload, start)
    }

    /// A MAC address when the value is 6 bytes (other link types carry other lengths), the first
    /// byte most significant.
    var mac: UInt64? {
        guard count == 6 else { return nil }
        var value: UInt64 = 0
        for index in start..<(start + 6) { value = value << 8 | UInt64(payload[index]) }
        return value
    }
}

extension PayloadReader {
    /// Calls `body` with each attribute after the family header, in order, without copying
    /// values. Throws the decode error `NetlinkAttribute.parse` throws for an attribute whose
    /// length is below 4 or runs past the end.
    func forEachAttribute(_ body: (AttributeView) throws(NetlinkError) -> Void) throws(NetlinkError) {
        var offset = (headerSize + 3) & ~3
        let end = payload.count
        while end - offset >= 4 {
            let length = Int(hostOrder(UInt16.self, payload, offset))
            let rawType = hostOrder(UInt16.self, payload, offset + 2)
            guard length >= 4, length <= end - offset else {
                throw NetlinkError.decode(
                    "attribute type \(rawType & 0x3fff) length \(length)", offset: NetlinkMessage.headerLength + offset
                )
            }
            try body(AttributeView(
                payload: payload, type: rawType & 0x3fff, start: offset + 4, count: length - 4,
                offset: NetlinkMessage.headerLength + offset
            ))
            offset += (length + 3) & ~3
        }
    }
}

/// A host-order integer at `offset`; the caller checks the bounds.
@inline(__always)
private func hostOrder<T: FixedWidthInteger>(_: T.Type, _ bytes: [UInt8], _ offset: Int) -> T {
    var value = T.zero
    withUnsafeMutableBytes(of: &value) { raw in
        for index in 0..<MemoryLayout<T>.size { raw[index] = bytes[offset + index] }
    }
    return value
}
