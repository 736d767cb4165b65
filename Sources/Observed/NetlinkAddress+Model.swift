import NetState
import Netlink

extension IPAddress {
    /// The model's address of a decoded netlink address: the family is the case.
    public init(_ address: NetlinkAddress) {
        if let ipv4 = address.ipv4 {
            self = .v4(IPv4Address(ipv4))
        } else {
            self = .v6(IPv6Address(high: address.high, low: address.low))
        }
    }
}

extension IPPrefix {
    /// A decoded destination and `*_dst_len` as the model's prefix of `family`, the length
    /// clamped to the family's width; a missing address (a default route) is the family's
    /// zero. Nil for a family that is neither IPv4 nor IPv6.
    init?(family: UInt8, address: NetlinkAddress?, length: UInt8) {
        switch family {
        case NetlinkAddress.inet:
            self = .v4(IPv4Prefix(address: IPv4Address(address?.ipv4 ?? 0), length: min(length, 32)))
        case NetlinkAddress.inet6:
            let address = address.map { IPv6Address(high: $0.high, low: $0.low) } ?? IPv6Address(high: 0, low: 0)
            self = .v6(IPv6Prefix(address: address, length: min(length, 128)))
        default:
            return nil
        }
    }
}
