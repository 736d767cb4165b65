/// An address of either family, as the kernel's objects carry them: a route's gateway, a
/// neighbour's IP, an FDB entry's `dst`, a vxlan device's `local`. An enum and not a 128-bit
/// number with an IPv4 convention, so an IPv6 route towards `::ffff:10.244.1.0/120` can never be
/// taken for an IPv4 one: the family is the case.
public enum IPAddress: Hashable, Comparable, Sendable {
    case v4(IPv4Address)
    case v6(IPv6Address)

    /// Parses either notation strictly: a dotted quad as `IPv4Address` reads it, anything with a
    /// colon as `IPv6Address` reads it (glibc's `inet_pton`), nothing else.
    @inlinable
    public init?(_ text: some StringProtocol) {
        if text.utf8.contains(UInt8(ascii: ":")) {
            guard let address = IPv6Address(text) else { return nil }
            self = .v6(address)
        } else {
            guard let address = IPv4Address(text) else { return nil }
            self = .v4(address)
        }
    }

    /// From 4 or 16 bytes in network order, as netlink carries addresses; any other count is
    /// refused.
    public init?(bytes: some Collection<UInt8>) {
        switch bytes.count {
        case 4:
            var value: UInt32 = 0
            for byte in bytes { value = value << 8 | UInt32(byte) }
            self = .v4(IPv4Address(value))
        case 16:
            guard let address = IPv6Address(bytes: bytes) else { return nil }
            self = .v6(address)
        default:
            return nil
        }
    }

    public var family: AddressFamily {
        switch self {
        case .v4: .inet
        case .v6: .inet6
        }
    }

    /// The bytes in network order: 4 or 16.
    public var bytes: [UInt8] {
        switch self {
        case let .v4(address): address.octets
        case let .v6(address): address.bytes
        }
    }

    public var ipv4: IPv4Address? {
        if case let .v4(address) = self { return address }
        return nil
    }

    public var ipv6: IPv6Address? {
        if case let .v6(address) = self { return address }
        return nil
    }

    /// The largest prefix length of the family: 32 or 128.
    public var bitWidth: UInt8 { family.bitWidth }

    /// Why this address cannot stand for a host of its family, or nil when it can.
    public var nonUnicastReason: String? {
        switch self {
        case let .v4(address): address.nonUnicastReason
        case let .v6(address): address.nonUnicastReason
        }
    }

    /// IPv4 before IPv6 (the order `ip route` and `ip -6 route` listings appear in one plan),
    /// then numerically.
    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        switch (lhs, rhs) {
        case let (.v4(l), .v4(r)): l < r
        case let (.v6(l), .v6(r)): l < r
        case (.v4, .v6): true
        case (.v6, .v4): false
        }
    }
}

extension IPAddress: TextAppending {
    public func append(to text: inout TextBuffer) {
        switch self {
        case let .v4(address): address.append(to: &text)
        case let .v6(address): address.append(to: &text)
        }
    }
}

extension AddressFamily {
    /// The width of the family's addresses in bits: the largest prefix length.
    public var bitWidth: UInt8 { self == .inet ? 32 : 128 }

    /// `ip`'s `-4` / `-6` word for a family, and `inet` / `inet6` as `ip` lists addresses.
    public var name: String { self == .inet ? "inet" : "inet6" }
}
