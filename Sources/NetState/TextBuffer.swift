/// UTF-8 text under construction. Listings and plans at tens of thousands of objects are
/// mostly short ASCII words and numbers; appending them to a `String` one by one pays for
/// String's growth and uniqueness checks each time, while appending bytes to one array sized
/// up front is a copy. Numbers, addresses and MACs are written digit by digit from their
/// integers, without intermediate strings.
public struct TextBuffer: Sendable {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public var isEmpty: Bool { bytes.isEmpty }
    public var count: Int { bytes.count }

    /// The text so far. The bytes only ever come from Strings and ASCII, so this never repairs.
    public var string: String { String(decoding: bytes, as: UTF8.self) }

    public mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    public mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    public mutating func append(ascii byte: UInt8) {
        bytes.append(byte)
    }

    /// The decimal digits of `value`, as `String(value)` writes them.
    public mutating func append(decimal value: UInt64) {
        if value < 10 {
            bytes.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value))
            return
        }
        var digits: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)  // 20 digits at most, 32 bytes
        withUnsafeMutableBytes(of: &digits) { scratch in
            var rest = value
            var start = scratch.count
            while rest > 0 {
                start -= 1
                scratch[start] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
            }
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[start...]))
        }
    }

    /// Any integer of at most 64 bits, with a minus sign when negative.
    public mutating func append(decimal value: some FixedWidthInteger) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        append(decimal: UInt64(value.magnitude))
    }

    /// Two lower-case hex digits, as MAC addresses are printed.
    public mutating func append(hexByte byte: UInt8) {
        bytes.append(Self.hexDigit(byte >> 4))
        bytes.append(Self.hexDigit(byte & 0xf))
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") &+ nibble : UInt8(ascii: "a") &+ (nibble &- 10)
    }
}

extension String {
    /// Appends the text of a buffer (used where a caller still builds a `String`).
    public mutating func append(_ buffer: TextBuffer) {
        buffer.bytes.withUnsafeBufferPointer { append(String(decoding: $0, as: UTF8.self)) }
    }
}
