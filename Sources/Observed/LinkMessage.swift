import NetState
import Netlink

/// A decoded `RTM_NEWLINK` read in the model's terms: the device facts the observer needs, plus
/// the vxlan attributes when the kind is `vxlan`. The wire format is `Netlink`'s
/// `LinkAttributes`; names are checked with `InterfaceName` while decoding.
public struct LinkMessage: Hashable, Sendable {
    /// `IFLA_INFO_DATA` of a vxlan device.
    public struct Vxlan: Hashable, Sendable {
        public var attributes: LinkAttributes.Vxlan

        public var vni: UInt32? { attributes.vni }
        /// `IFLA_VXLAN_LOCAL` or `IFLA_VXLAN_LOCAL6`.
        public var local: IPAddress? { attributes.local.map(IPAddress.init) }
        /// `IFLA_VXLAN_LINK`: the underlay's ifindex.
        public var underlayIndex: UInt32? { attributes.underlayIndex }
        /// `IFLA_VXLAN_PORT`, converted from network order.
        public var port: UInt16? { attributes.port }
        public var learning: Bool { attributes.learning ?? false }
        public var gbp: Bool { attributes.gbp }
    }

    public var attributes: LinkAttributes

    /// Decodes one `RTM_NEWLINK` message. Unknown attributes are skipped; a truncated known one
    /// is a decode error with its offset; so is an `IFLA_IFNAME` that is not valid UTF-8 or
    /// that `InterfaceName` refuses (no `ip link` could take it).
    public init(decoding message: NetlinkMessage) throws(NetlinkError) {
        attributes = try LinkAttributes(decoding: message, nameRefusal: InterfaceName.refusal(of:))
    }

    public var index: UInt32 { attributes.index }
    public var name: String { attributes.name ?? "" }
    public var mtu: UInt32? { attributes.mtu }
    public var mac: MACAddress? { attributes.mac.map(MACAddress.init) }
    /// `IFF_UP` (administratively up, as `ip link set up` sets).
    public var isUp: Bool { attributes.up ?? false }
    /// `IFLA_INFO_KIND` (`vxlan`, `veth`, `dummy`, …); nil for physical devices.
    public var kind: String? { attributes.kind }
    public var vxlan: Vxlan? { attributes.vxlan.map(Vxlan.init) }

    /// This device as the model's `VxlanLink`, or nil when it is not a vxlan device.
    /// - Parameters:
    ///   - addresses: its addresses of its own family (IPv4 on `flannel.<VNI>`, global IPv6 on
    ///     `flannel-v6.<VNI>`: the kernel's link-local address is never the model's).
    ///   - deviceNames: ifindex → name, to name the underlay.
    public func vxlanLink(addresses: [InterfaceAddress], deviceNames: [UInt32: String]) -> VxlanLink? {
        guard let vxlan else { return nil }
        return VxlanLink(
            name: name, vni: vxlan.vni ?? 0, local: vxlan.local,
            underlay: vxlan.underlayIndex.flatMap { $0 == 0 ? nil : deviceNames[$0] ?? "if\($0)" },
            port: vxlan.port ?? VxlanLink.defaultPort, learning: vxlan.learning, gbp: vxlan.gbp,
            mtu: mtu ?? 0, mac: mac, up: isUp, addresses: addresses,
            txQueueLength: attributes.txQueueLength, acceptRA: attributes.ipv6AcceptRA
        )
    }
}
