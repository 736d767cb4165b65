/// An IPv4 network in CIDR form. The address is always the network address: `10.244.1.7/24`
/// is refused by the strict parser and normalised by `init(address:length:)`, so two prefixes
/// that cover the same addresses compare equal.
public struct IPv4Prefix: Hashable, Sendable {
    public private(set) var address: IPv4Address
    public private(set) var length: UInt8

    /// Builds a prefix, clearing host bits. `length` above 32 is clamped to 32.
    public init(address: IPv4Address, length: UInt8) {
        let length = min(length, 32)
        self.length = length
        self.address = IPv4Address(address.value & IPv4Prefix.mask(length))
    }

    /// Parses `a.b.c.d/len`. With `strict`, host bits must be zero (as a lease subnet must be);
    /// without, they are cleared. A bare address without `/len` is refused.
    @inlinable
    public init?(_ text: some StringProtocol, strict: Bool = true) {
        guard let slash = text.utf8.firstIndex(of: UInt8(ascii: "/")),
              let address = IPv4Address(text[..<slash])
        else { return nil }
        var length: UInt8 = 0
        var digits = 0
        for byte in text.utf8[text.utf8.index(after: slash)...] {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte), digits < 2 else { return nil }
            length = length * 10 + (byte - UInt8(ascii: "0"))
            digits += 1
        }
        guard digits > 0, length <= 32 else { return nil }
        if strict && address.value & ~IPv4Prefix.mask(length) != 0 { return nil }
        self.init(address: address, length: length)
    }

    public static func mask(_ length: UInt8) -> UInt32 {
        length == 0 ? 0 : UInt32.max << (32 - UInt32(min(length, 32)))
    }

    public var netmask: UInt32 { IPv4Prefix.mask(length) }

    /// The last address of the prefix (its broadcast address).
    public var lastAddress: IPv4Address { IPv4Address(address.value | ~netmask) }

    public func contains(_ ip: IPv4Address) -> Bool { ip.value & netmask == address.value }

    /// True when `other` lies entirely inside this prefix.
    public func contains(_ other: IPv4Prefix) -> Bool { other.length >= length && contains(other.address) }

    public func overlaps(_ other: IPv4Prefix) -> Bool { contains(other) || other.contains(self) }

    /// The 224.0.0.0/4 multicast range, which flannel's MASQUERADE rule leaves alone.
    public static let multicast = IPv4Prefix(address: IPv4Address(224, 0, 0, 0), length: 4)
}

extension IPv4Prefix: Comparable {
    /// Orders by network address, then by length, which is the order `ip route` lists routes in.
    public static func < (lhs: IPv4Prefix, rhs: IPv4Prefix) -> Bool {
        (lhs.address, lhs.length) < (rhs.address, rhs.length)
    }
}

extension IPv4Prefix: TextAppending {
    public func append(to text: inout TextBuffer) {
        address.append(to: &text)
        text.append(ascii: UInt8(ascii: "/"))
        text.append(decimal: UInt64(length))
    }
}

