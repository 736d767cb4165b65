/// An IPv6 network in CIDR form. The address is always the network address:
/// `fd00:10:244:1::7/64` is refused by the strict parser and normalised by
/// `init(address:length:)`, so two prefixes that cover the same addresses compare equal.
public struct IPv6Prefix: Hashable, Sendable {
    public private(set) var address: IPv6Address
    public private(set) var length: UInt8

    /// Builds a prefix, clearing host bits. `length` above 128 is clamped to 128.
    public init(address: IPv6Address, length: UInt8) {
        let length = min(length, 128)
        let mask = IPv6Prefix.mask(length)
        self.length = length
        self.address = IPv6Address(high: address.high & mask.high, low: address.low & mask.low)
    }

    /// Parses `address/len` (the address as `IPv6Address` reads it, the length in decimal,
    /// 0…128, at most three digits). With `strict`, host bits must be zero (as a lease subnet
    /// must be); without, they are cleared. A bare address without `/len` is refused.
    @inlinable
    public init?(_ text: some StringProtocol, strict: Bool = true) {
        guard let slash = text.utf8.firstIndex(of: UInt8(ascii: "/")),
              let address = IPv6Address(text[..<slash]),
              let length = IPv6Prefix.parsedLength(text.utf8[text.utf8.index(after: slash)...], maximum: 128)
        else { return nil }
        if strict && !IPv6Prefix.hostBitsClear(address, length) { return nil }
        self.init(address: address, length: length)
    }

    /// A prefix length of one to three ASCII digits, at most `maximum`.
    @usableFromInline
    static func parsedLength(_ digits: some Collection<UInt8>, maximum: UInt8) -> UInt8? {
        guard (1...3).contains(digits.count) else { return nil }
        var length = 0
        for byte in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            length = length * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return length <= Int(maximum) ? UInt8(length) : nil
    }

    @usableFromInline
    static func hostBitsClear(_ address: IPv6Address, _ length: UInt8) -> Bool {
        let mask = mask(length)
        return address.high & ~mask.high == 0 && address.low & ~mask.low == 0
    }

    /// The netmask of `length` (clamped to 128) as the two halves of the 128-bit number.
    public static func mask(_ length: UInt8) -> (high: UInt64, low: UInt64) {
        // Swift's shifts give 0 past the width: /0 to /64 leave the low half 0, /64 to /128
        // leave the high half all ones.
        let length = Int(min(length, 128))
        return (UInt64.max << (64 - min(length, 64)), UInt64.max << (128 - length))
    }

    public var netmask: (high: UInt64, low: UInt64) { IPv6Prefix.mask(length) }

    /// The last address of the prefix (IPv6 has no broadcast; this is the top of the range).
    public var lastAddress: IPv6Address {
        let mask = netmask
        return IPv6Address(high: address.high | ~mask.high, low: address.low | ~mask.low)
    }

    public func contains(_ ip: IPv6Address) -> Bool {
        let mask = netmask
        return ip.high & mask.high == address.high && ip.low & mask.low == address.low
    }

    /// True when `other` lies entirely inside this prefix.
    public func contains(_ other: IPv6Prefix) -> Bool { other.length >= length && contains(other.address) }

    public func overlaps(_ other: IPv6Prefix) -> Bool { contains(other) || other.contains(self) }

    /// The `ff00::/8` multicast range, which flannel's IPv6 MASQUERADE rule leaves alone as
    /// the IPv4 one leaves `224.0.0.0/4`.
    public static let multicast = IPv6Prefix(address: IPv6Address(0xff00, 0, 0, 0, 0, 0, 0, 0), length: 8)
}

extension IPv6Prefix: Comparable {
    /// Orders by network address, then by length, which is the order `ip -6 route` lists routes in.
    public static func < (lhs: IPv6Prefix, rhs: IPv6Prefix) -> Bool {
        (lhs.address, lhs.length) < (rhs.address, rhs.length)
    }
}

extension IPv6Prefix: TextAppending {
    public func append(to text: inout TextBuffer) {
        address.append(to: &text)
        text.append(ascii: UInt8(ascii: "/"))
        text.append(decimal: UInt64(length))
    }
}

/// The IPv6 half of a dual-stack etcd lease key. flannel names a lease
/// `<prefix>/subnets/10.244.1.0-24&fd00:10:244:1::-64` (`MakeSubnetKey`: each subnet with `-`
/// for `/`, joined by `&`) and reads it back with `ParseSubnetKey`, whose pattern takes the IPv6
/// half as `[a-f\d:]+-(\d+)$` and its length with `strconv.ParseUint(…, 10, 7)`. This is that
/// half alone; the IPv4 half and the split at `&` are the lease reader's (Desired).
extension IPv6Prefix {
    /// Parses `fd00:10:244:1::-64` as flannel's `ParseSubnetKey` does, and as strictly as the
    /// IPv4 half is read: only lower-case hex digits and colons before the `-` (flannel's
    /// pattern, so no upper case and no dotted tail), an address `IPv6Address` accepts, a length
    /// of one to three digits that fits flannel's 7 bits (0…127; flannel drops a `-128` key),
    /// and no host bits set (a lease subnet is a network).
    @inlinable
    public init?(leaseKey text: some StringProtocol) {
        let utf8 = text.utf8
        guard let dash = utf8.firstIndex(of: UInt8(ascii: "-")),  // an address has no dash
              utf8[..<dash].allSatisfy({ byte in
                  byte == UInt8(ascii: ":") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                      || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
              }),
              let address = IPv6Address(text[..<dash]),
              let length = IPv6Prefix.parsedLength(utf8[utf8.index(after: dash)...], maximum: 127),
              IPv6Prefix.hostBitsClear(address, length)
        else { return nil }
        self.init(address: address, length: length)
    }

    /// `fd00:10:244:1::-64`: the address as `description` writes it but with every group in hex
    /// (`::ffff:a00:0-104`, not `::ffff:10.0.0.0-104`, which flannel's pattern would not match),
    /// then `-` and the length. For the subnets flannel hands out this is the text flannel's Go
    /// writes.
    public var leaseKey: String {
        var text = TextBuffer(capacity: 48)
        address.append(to: &text, dottedTail: false)
        text.append(ascii: UInt8(ascii: "-"))
        text.append(decimal: UInt64(length))
        return text.string
    }
}
