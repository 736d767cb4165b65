import CMnl
import Glibc
import NetState
import Netlink

/// A decoded `RTM_NEWLINK`: the device facts the observer needs, plus the vxlan attributes
/// (`IFLA_INFO_DATA`) when the kind is `vxlan`.
public struct LinkMessage: Hashable, Sendable {
    public struct Vxlan: Hashable, Sendable {
        public var vni: UInt32?
        public var local: IPv4Address?
        /// `IFLA_VXLAN_LINK`: the underlay's ifindex.
        public var underlayIndex: UInt32?
        /// `IFLA_VXLAN_PORT`, converted from network order.
        public var port: UInt16?
        public var learning: Bool
        public var gbp: Bool
    }

    public var index: UInt32
    public var name: String
    public var mtu: UInt32?
    public var mac: MACAddress?
    /// `IFF_UP` (administratively up, as `ip link set up` sets).
    public var isUp: Bool
    /// `IFLA_INFO_KIND` (`vxlan`, `veth`, `dummy`, …); nil for physical devices.
    public var kind: String?
    public var vxlan: Vxlan?

    /// Decodes one `RTM_NEWLINK` message. Unknown attributes are skipped; a truncated known one
    /// is a decode error with its offset.
    public init(decoding message: NetlinkMessage) throws(NetlinkError) {
        let reader = try PayloadReader(message, header: MemoryLayout<ifinfomsg>.size, what: "RTM_NEWLINK")
        index = UInt32(bitPattern: reader.load(Int32.self, 4))
        isUp = reader.load(UInt32.self, 8) & UInt32(IFF_UP) != 0
        name = ""
        for attribute in try reader.attributes() {
            switch Int(attribute.type) {
            case IFLA_IFNAME:
                name = try Self.name(attribute, index: index)
            case IFLA_MTU: mtu = try attribute.u32("IFLA_MTU")
            case IFLA_ADDRESS: mac = attribute.mac
            case IFLA_LINKINFO: try decodeLinkInfo(attribute)
            default: break
            }
        }
    }

    /// `IFLA_IFNAME`, refused unless it is valid UTF-8 and a name the kernel itself would accept:
    /// device names go into plans, listings and scripts, so a name that is not what the kernel
    /// holds (a lossy decoding) or that no `ip link` could take is an error naming the ifindex,
    /// never passed on.
    private static func name(_ attribute: NetlinkAttribute, index: UInt32) throws(NetlinkError) -> String {
        let end = attribute.value.firstIndex(of: 0) ?? attribute.value.count
        guard let name = String(validating: attribute.value[..<end], as: UTF8.self) else {
            throw NetlinkError(.decode, detail: "RTM_NEWLINK of ifindex \(index): IFLA_IFNAME is not valid UTF-8")
        }
        if let refusal = InterfaceName.refusal(of: name) {
            throw NetlinkError(.decode, detail: "RTM_NEWLINK of ifindex \(index): IFLA_IFNAME \(refusal)")
        }
        return name
    }

    private mutating func decodeLinkInfo(_ linkInfo: NetlinkAttribute) throws(NetlinkError) {
        let members = try linkInfo.nested()
        for member in members where Int(member.type) == IFLA_INFO_KIND {
            kind = member.string
        }
        guard kind == "vxlan", let data = members.first(where: { Int($0.type) == IFLA_INFO_DATA }) else { return }
        var vxlan = Vxlan(learning: false, gbp: false)
        for attribute in try data.nested() {
            switch Int(attribute.type) {
            case IFLA_VXLAN_ID: vxlan.vni = try attribute.u32("IFLA_VXLAN_ID")
            case IFLA_VXLAN_LOCAL: vxlan.local = try attribute.ipv4("IFLA_VXLAN_LOCAL")
            case IFLA_VXLAN_LINK: vxlan.underlayIndex = try attribute.u32("IFLA_VXLAN_LINK")
            case IFLA_VXLAN_PORT:
                _ = try attribute.require(2, "IFLA_VXLAN_PORT")
                vxlan.port = attribute.bigEndianUInt16
            case IFLA_VXLAN_LEARNING:
                _ = try attribute.require(1, "IFLA_VXLAN_LEARNING")
                vxlan.learning = attribute.uint8 != 0
            case IFLA_VXLAN_GBP: vxlan.gbp = true  // a flag: present means on
            default: break
            }
        }
        self.vxlan = vxlan
    }

    /// This device as the model's `VxlanLink`, or nil when it is not a vxlan device.
    /// - Parameters:
    ///   - addresses: its IPv4 addresses.
    ///   - deviceNames: ifindex → name, to name the underlay.
    public func vxlanLink(addresses: [InterfaceAddress], deviceNames: [UInt32: String]) -> VxlanLink? {
        guard let vxlan else { return nil }
        return VxlanLink(
            name: name, vni: vxlan.vni ?? 0, local: vxlan.local,
            underlay: vxlan.underlayIndex.flatMap { $0 == 0 ? nil : deviceNames[$0] ?? "if\($0)" },
            port: vxlan.port ?? VxlanLink.defaultPort, learning: vxlan.learning, gbp: vxlan.gbp,
            mtu: mtu ?? 0, mac: mac, up: isUp, addresses: addresses
        )
    }
}
