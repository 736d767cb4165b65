/// An IPv4 address, held as the 32-bit number in host order so that comparison sorts the way
/// `ip route` lists addresses.
public struct IPv4Address: Hashable, Comparable, Sendable {
    public var value: UInt32

    public init(_ value: UInt32) { self.value = value }

    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        value = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// Parses dotted-quad notation strictly: four decimal octets, no leading `+`, no empty parts,
    /// no leading zeros beyond a lone `0` (so `010.1.1.1` is refused, as Go's `net.ParseIP` does).
    /// Works on the UTF-8 bytes without allocating: lease files carry thousands of addresses.
    /// Inlinable so callers in other modules get it specialised for their string type.
    @inlinable
    public init?(_ text: some StringProtocol) {
        var result: UInt32 = 0
        var octet: UInt32 = 0
        var digits = 0
        var octets = 0
        var leadingZero = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if leadingZero { return nil }
                if digits == 0 && byte == UInt8(ascii: "0") { leadingZero = true }
                octet = octet * 10 + UInt32(byte &- UInt8(ascii: "0"))
                digits += 1
                guard digits <= 3, octet <= 255 else { return nil }
            case UInt8(ascii: "."):
                guard digits > 0, octets < 3 else { return nil }
                result = result << 8 | octet
                octets += 1
                octet = 0
                digits = 0
                leadingZero = false
            default:
                return nil
            }
        }
        guard digits > 0, octets == 3 else { return nil }
        value = result << 8 | octet
    }

    /// The four octets in network order.
    public var octets: [UInt8] {
        [UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8),
         UInt8(truncatingIfNeeded: value)]
    }

    public static func < (lhs: IPv4Address, rhs: IPv4Address) -> Bool { lhs.value < rhs.value }

    /// The address `n` after this one, wrapping at the top of the address space.
    public func advanced(by n: UInt32) -> IPv4Address { IPv4Address(value &+ n) }
}

extension IPv4Address: TextAppending {
    /// Writes the dotted quad from the integer: plans and listings at thousands of peers print
    /// tens of thousands of addresses.
    public func append(to text: inout TextBuffer) {
        for shift in stride(from: 24, through: 0, by: -8) {
            let octet = UInt8(truncatingIfNeeded: value >> UInt32(shift))
            if octet >= 100 { text.append(ascii: UInt8(ascii: "0") &+ octet / 100) }
            if octet >= 10 { text.append(ascii: UInt8(ascii: "0") &+ (octet / 10) % 10) }
            text.append(ascii: UInt8(ascii: "0") &+ octet % 10)
            if shift > 0 { text.append(ascii: UInt8(ascii: ".")) }
        }
    }
}

