import NetState
import Netlink

/// A decoded `RTM_NEWADDR` read in the model's terms. The wire format is `Netlink`'s
/// `AddressAttributes`.
public struct AddressMessage: Hashable, Sendable {
    public var attributes: AddressAttributes

    public init(decoding message: NetlinkMessage) throws(NetlinkError) {
        attributes = try AddressAttributes(decoding: message)
    }

    public var index: UInt32 { attributes.index }
    public var family: UInt8 { attributes.family }
    /// `ifa_scope`: `universe` for a global address, `link` for IPv6's `fe80::/64` ones.
    public var scope: RouteScope { RouteScope(rawValue: attributes.scope) }
    /// `IFA_LOCAL` (the device's own address) with `ifa_prefixlen`; `IFA_ADDRESS` when there is
    /// no `IFA_LOCAL` (an IPv6 address has only that, unless it has a peer). The length is
    /// clamped to the family's width. Nil for other families.
    public var address: InterfaceAddress? {
        guard let chosen = attributes.local ?? attributes.address else { return nil }
        let address = IPAddress(chosen)
        return InterfaceAddress(address: address, length: min(attributes.prefixLength, address.bitWidth))
    }
}
