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
    /// `IFA_LOCAL` (the device's own address) with `ifa_prefixlen`; `IFA_ADDRESS` when there is
    /// no `IFA_LOCAL`. Nil for non-IPv4 families.
    public var address: InterfaceAddress? {
        guard let chosen = attributes.local ?? attributes.address else { return nil }
        return InterfaceAddress(address: IPv4Address(chosen), length: min(attributes.prefixLength, 32))
    }
}
