/// A 48-bit Ethernet address, printed lower-case with colons as iproute2 prints `lladdr`.
public struct MACAddress: Hashable, Comparable, Sendable {
    /// The six octets in the low 48 bits, first octet most significant.
    public var value: UInt64

    public init(_ value: UInt64) { self.value = value & 0xffff_ffff_ffff }

    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 6 else { return nil }
        value = bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// Parses `aa:bb:cc:dd:ee:ff` (also with `-` separators, any case). Each part is two hex
    /// digits. Works on the UTF-8 bytes without allocating; inlinable so callers in other
    /// modules get it specialised for their string type.
    @inlinable
    public init?(_ text: some StringProtocol) {
        var result: UInt64 = 0
        var position = 0
        var separator: UInt8 = 0
        for byte in text.utf8 {
            // 17 characters: hex, hex, separator, …; separators sit at positions 2, 5, 8, …
            if position % 3 == 2 {
                guard byte == UInt8(ascii: ":") || byte == UInt8(ascii: "-"), separator == 0 || separator == byte
                else { return nil }
                separator = byte
            } else {
                guard let nibble = MACAddress.nibble(byte) else { return nil }
                result = result << 4 | UInt64(nibble)
            }
            position += 1
            if position > 17 { return nil }
        }
        guard position == 17 else { return nil }
        value = result
    }

    @usableFromInline
    static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    public var bytes: [UInt8] { (0..<6).map { UInt8(truncatingIfNeeded: value >> (40 - 8 * UInt64($0))) } }

    public static func < (lhs: MACAddress, rhs: MACAddress) -> Bool { lhs.value < rhs.value }
}

extension MACAddress: TextAppending {
    /// Writes `aa:bb:cc:dd:ee:ff` from the integer, without intermediate strings.
    public func append(to text: inout TextBuffer) {
        for index in 0..<6 {
            if index > 0 { text.append(ascii: UInt8(ascii: ":")) }
            text.append(hexByte: UInt8(truncatingIfNeeded: value >> (40 - 8 * UInt64(index))))
        }
    }
}

