/// A network of either family in CIDR form, always normalised (host bits clear): a route's
/// destination, a lease's subnet, a connected network of the underlay.
public enum IPPrefix: Hashable, Comparable, Sendable {
    case v4(IPv4Prefix)
    case v6(IPv6Prefix)

    /// Parses `address/len` of either family strictly (see `IPv4Prefix` and `IPv6Prefix`).
    @inlinable
    public init?(_ text: some StringProtocol, strict: Bool = true) {
        if text.utf8.contains(UInt8(ascii: ":")) {
            guard let prefix = IPv6Prefix(text, strict: strict) else { return nil }
            self = .v6(prefix)
        } else {
            guard let prefix = IPv4Prefix(text, strict: strict) else { return nil }
            self = .v4(prefix)
        }
    }

    /// Builds a prefix of the address's family, clearing host bits; a length above the
    /// family's width is clamped to it.
    public init(address: IPAddress, length: UInt8) {
        switch address {
        case let .v4(address): self = .v4(IPv4Prefix(address: address, length: length))
        case let .v6(address): self = .v6(IPv6Prefix(address: address, length: length))
        }
    }

    public var family: AddressFamily {
        switch self {
        case .v4: .inet
        case .v6: .inet6
        }
    }

    /// The network address.
    public var address: IPAddress {
        switch self {
        case let .v4(prefix): .v4(prefix.address)
        case let .v6(prefix): .v6(prefix.address)
        }
    }

    public var length: UInt8 {
        switch self {
        case let .v4(prefix): prefix.length
        case let .v6(prefix): prefix.length
        }
    }

    /// The last address of the prefix.
    public var lastAddress: IPAddress {
        switch self {
        case let .v4(prefix): .v4(prefix.lastAddress)
        case let .v6(prefix): .v6(prefix.lastAddress)
        }
    }

    public var ipv4: IPv4Prefix? {
        if case let .v4(prefix) = self { return prefix }
        return nil
    }

    public var ipv6: IPv6Prefix? {
        if case let .v6(prefix) = self { return prefix }
        return nil
    }

    /// True when the prefix covers a single address (`/32`, `/128`): `ip` prints it bare.
    public var isHost: Bool { length == family.bitWidth }

    /// Whether `ip` lies in this prefix; an address of the other family never does.
    public func contains(_ ip: IPAddress) -> Bool {
        switch (self, ip) {
        case let (.v4(prefix), .v4(ip)): prefix.contains(ip)
        case let (.v6(prefix), .v6(ip)): prefix.contains(ip)
        default: false
        }
    }

    /// True when `other` lies entirely inside this prefix; never across families.
    public func contains(_ other: IPPrefix) -> Bool {
        switch (self, other) {
        case let (.v4(prefix), .v4(other)): prefix.contains(other)
        case let (.v6(prefix), .v6(other)): prefix.contains(other)
        default: false
        }
    }

    public func overlaps(_ other: IPPrefix) -> Bool { contains(other) || other.contains(self) }

    /// IPv4 before IPv6, then by network address and length, as `ip route` lists them.
    public static func < (lhs: IPPrefix, rhs: IPPrefix) -> Bool {
        switch (lhs, rhs) {
        case let (.v4(l), .v4(r)): l < r
        case let (.v6(l), .v6(r)): l < r
        case (.v4, .v6): true
        case (.v6, .v4): false
        }
    }
}

extension IPPrefix: TextAppending {
    public func append(to text: inout TextBuffer) {
        switch self {
        case let .v4(prefix): prefix.append(to: &text)
        case let .v6(prefix): prefix.append(to: &text)
        }
    }
}
