/// Reads the comment nft keeps in an object's userdata: a list of TLVs (type byte, length byte,
/// value), the comment being a NUL-terminated string under the object's comment type.
enum NftComment {
    static func read(_ data: UnsafeRawPointer?, _ length: UInt32, type: UInt8) -> String? {
        guard let data, length > 0 else { return nil }
        return read(Array(UnsafeRawBufferPointer(start: data, count: Int(length))), type: type)
    }

    static func read(_ bytes: [UInt8], type: UInt8) -> String? {
        var offset = 0
        while offset + 2 <= bytes.count {
            let kind = bytes[offset]
            let length = Int(bytes[offset + 1])
            let start = offset + 2
            guard start + length <= bytes.count else { return nil }
            if kind == type {
                let value = bytes[start..<(start + length)]
                let text = value.prefix { $0 != 0 }
                return String(decoding: text, as: UTF8.self)
            }
            offset = start + length
        }
        return nil
    }
}
