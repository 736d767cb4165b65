/// The address matches of either family behind one door, for code that builds or judges
/// rules the same way for IPv4 and IPv6 (flannel's rule sets, the MASQUERADE audit).
extension NftMatch {
    /// `ip saddr` or `ip6 saddr`, by the prefix's family.
    public static func source(_ prefix: IPPrefix, negated: Bool = false) -> NftMatch {
        switch prefix {
        case let .v4(prefix): .sourceAddress(prefix, negated: negated)
        case let .v6(prefix): .sourceAddress6(prefix, negated: negated)
        }
    }

    /// `ip daddr` or `ip6 daddr`, by the prefix's family.
    public static func destination(_ prefix: IPPrefix, negated: Bool = false) -> NftMatch {
        switch prefix {
        case let .v4(prefix): .destinationAddress(prefix, negated: negated)
        case let .v6(prefix): .destinationAddress6(prefix, negated: negated)
        }
    }

    /// An address match taken apart: which end of the packet, the prefix, negation; nil for
    /// every other match.
    public var address: (isSource: Bool, prefix: IPPrefix, negated: Bool)? {
        switch self {
        case let .sourceAddress(prefix, negated): (true, .v4(prefix), negated)
        case let .destinationAddress(prefix, negated): (false, .v4(prefix), negated)
        case let .sourceAddress6(prefix, negated): (true, .v6(prefix), negated)
        case let .destinationAddress6(prefix, negated): (false, .v6(prefix), negated)
        default: nil
        }
    }
}
