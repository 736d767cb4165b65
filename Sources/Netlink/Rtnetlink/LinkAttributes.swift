import CMnl
import Glibc

/// A network device as rtnetlink carries it (`ifinfomsg` and its `IFLA_*` attributes), with the
/// vxlan driver's `IFLA_INFO_DATA`: the request builder, the decoder and the dump request of one
/// kind. Only what is set is written, so one value describes a create, a change of one field or
/// a delete. MACs are held in the low 48 bits.
public struct LinkAttributes: Hashable, Sendable {
    /// `IFLA_INFO_DATA` of a vxlan device.
    public struct Vxlan: Hashable, Sendable {
        public var vni: UInt32?
        /// `IFLA_VXLAN_LOCAL` (an IPv4 address) or `IFLA_VXLAN_LOCAL6` (IPv6): the underlay
        /// address the device sends from (`local` of `ip link add … type vxlan`).
        public var local: NetlinkAddress?
        /// `IFLA_VXLAN_LINK`: the underlay's ifindex.
        public var underlayIndex: UInt32?
        /// `IFLA_VXLAN_PORT`, in host order (network order on the wire).
        public var port: UInt16?
        public var learning: Bool?
        /// `IFLA_VXLAN_GBP`, a flag attribute: present means on.
        public var gbp: Bool

        public init(
            vni: UInt32? = nil, local: NetlinkAddress? = nil, underlayIndex: UInt32? = nil, port: UInt16? = nil,
            learning: Bool? = nil, gbp: Bool = false
        ) {
            self.vni = vni
            self.local = local
            self.underlayIndex = underlayIndex
            self.port = port
            self.learning = learning
            self.gbp = gbp
        }
    }

    /// `ifi_index`; 0 in a request that names the device by `IFLA_IFNAME`.
    public var index: UInt32
    public var name: String?
    public var mtu: UInt32?
    public var mac: UInt64?
    /// `IFF_UP`: decoded from `ifi_flags`; in a request, nil leaves the flag alone and a value
    /// sets or clears it alone (`ifi_change = IFF_UP`), as `ip link set up|down` does.
    public var up: Bool?
    /// `IFLA_INFO_KIND` (`vxlan`, `veth`, `dummy`, …); nil for physical devices.
    public var kind: String?
    /// Set only with `kind` `vxlan`.
    public var vxlan: Vxlan?
    /// `IFLA_TXQLEN`: written in a request when set (`ip link add|set … txqueuelen N`).
    public var txQueueLength: UInt32?
    /// `accept_ra` of the device's IPv6 configuration, decoded from `IFLA_AF_SPEC` → `AF_INET6`
    /// → `IFLA_INET6_CONF`; nil when the dump has none (IPv6 disabled on the device). Never
    /// written: rtnetlink cannot set it, `IPv6DeviceConf` writes the sysctl.
    public var ipv6AcceptRA: Int32?

    public init(
        index: UInt32 = 0, name: String? = nil, mtu: UInt32? = nil, mac: UInt64? = nil, up: Bool? = nil,
        kind: String? = nil, vxlan: Vxlan? = nil, txQueueLength: UInt32? = nil
    ) {
        self.index = index
        self.name = name
        self.mtu = mtu
        self.mac = mac
        self.up = up
        self.kind = kind
        self.vxlan = vxlan
        self.txQueueLength = txQueueLength
    }

    /// `DEVCONF_ACCEPT_RA`, the index of `accept_ra` in `IFLA_INET6_CONF`'s array of `__s32`
    /// (`linux/ipv6.h`: FORWARDING 0, HOPLIMIT 1, MTU6 2, ACCEPT_RA 3; checked against Debian
    /// 12's headers, and by the kernel tests, which read back what the sysctl wrote). Not
    /// imported: `linux/ipv6.h` clashes with glibc's `netinet/in.h` in the C shim.
    static let devconfAcceptRA = 3
    /// `IFLA_INET6_CONF` (`linux/if_link.h`).
    static let inet6Conf = 2

    // MARK: Encoding

    /// `RTM_NEWLINK` / `RTM_DELLINK` carrying what this value sets, family `AF_UNSPEC`.
    public func request(_ operation: RtnetlinkOperation, flags: NetlinkRequest.Flags) -> [UInt8] {
        var request = NetlinkRequest(type: operation == .delete ? RTM_DELLINK : RTM_NEWLINK, flags: flags)
        var header = ifinfomsg()
        header.ifi_family = UInt8(AF_UNSPEC)
        header.ifi_index = Int32(bitPattern: index)
        if let up {
            header.ifi_flags = up ? UInt32(IFF_UP) : 0
            header.ifi_change = UInt32(IFF_UP)
        }
        request.putHeader(header)
        if let name { request.putString(UInt16(IFLA_IFNAME), name) }
        if let mtu { request.putUInt32(UInt16(IFLA_MTU), mtu) }
        if let mac { request.putMAC(UInt16(IFLA_ADDRESS), mac) }
        if let txQueueLength { request.putUInt32(UInt16(IFLA_TXQLEN), txQueueLength) }
        if let kind {
            request.nest(UInt16(IFLA_LINKINFO)) { info in
                info.putString(UInt16(IFLA_INFO_KIND), kind)
                if let vxlan { info.nest(UInt16(IFLA_INFO_DATA)) { vxlan.put(into: &$0) } }
            }
        }
        return request.bytes
    }

    /// `RTM_GETLINK` dump of every device, without statistics (most of a link message's bytes
    /// and of no use here).
    public static func dumpRequest(sequence: UInt32 = 0) -> [UInt8] {
        var request = NetlinkRequest(type: RTM_GETLINK, flags: [.request, .dump], sequence: sequence)
        var header = ifinfomsg()
        header.ifi_family = UInt8(AF_UNSPEC)
        request.putHeader(header)
        request.putUInt32(UInt16(IFLA_EXT_MASK), UInt32(RTEXT_FILTER_SKIP_STATS))
        return request.bytes
    }

    // MARK: Decoding

    /// Decodes an `RTM_NEWLINK` or `RTM_DELLINK`. Unknown attributes are skipped; a truncated
    /// known one is a decode error with its offset.
    /// - Parameter nameRefusal: why a name is not one the kernel would accept, or nil; a refused
    ///   `IFLA_IFNAME` (or one that is not valid UTF-8) is a decode error naming the ifindex.
    public init(decoding message: NetlinkMessage, nameRefusal: (String) -> String?) throws(NetlinkError) {
        let reader = try PayloadReader(message, header: MemoryLayout<ifinfomsg>.size, what: "RTM_NEWLINK")
        let header = reader.header(ifinfomsg.self)
        self.init(index: UInt32(bitPattern: header.ifi_index), up: header.ifi_flags & UInt32(IFF_UP) != 0)
        for attribute in try reader.attributes() {
            switch Int(attribute.type) {
            case IFLA_IFNAME: name = try Self.name(attribute, index: index, refusal: nameRefusal)
            case IFLA_MTU: mtu = try attribute.u32("IFLA_MTU")
            case IFLA_ADDRESS: mac = attribute.mac
            case IFLA_LINKINFO: try decodeLinkInfo(attribute)
            case IFLA_TXQLEN: txQueueLength = try attribute.u32("IFLA_TXQLEN")
            case IFLA_AF_SPEC: ipv6AcceptRA = try Self.acceptRA(attribute)
            default: break
            }
        }
    }

    /// `IFLA_IFNAME`, refused unless it is valid UTF-8 and passes `refusal`: device names go into
    /// plans, listings and scripts, so a name that is not what the kernel holds (a lossy
    /// decoding) or that no `ip link` could take is an error naming the ifindex, never passed on.
    private static func name(
        _ attribute: NetlinkAttribute, index: UInt32, refusal: (String) -> String?
    ) throws(NetlinkError) -> String {
        let end = attribute.value.firstIndex(of: 0) ?? attribute.value.count
        guard let name = String(validating: attribute.value[..<end], as: UTF8.self) else {
            throw NetlinkError(.decode, detail: "RTM_NEWLINK of ifindex \(index): IFLA_IFNAME is not valid UTF-8")
        }
        if let refusal = refusal(name) {
            throw NetlinkError(.decode, detail: "RTM_NEWLINK of ifindex \(index): IFLA_IFNAME \(refusal)")
        }
        return name
    }

    /// `accept_ra` from `IFLA_AF_SPEC`, or nil when there is no IPv6 configuration (or it is
    /// too short to hold it).
    private static func acceptRA(_ afSpec: NetlinkAttribute) throws(NetlinkError) -> Int32? {
        guard let inet6 = try afSpec.nested().first(where: { Int32($0.type) == AF_INET6 }),
              let conf = try inet6.nested().first(where: { Int($0.type) == inet6Conf }) else { return nil }
        let offset = devconfAcceptRA * MemoryLayout<Int32>.size
        guard conf.value.count >= offset + MemoryLayout<Int32>.size else { return nil }
        return Int32(bitPattern: conf.value.loadUInt32(at: offset))
    }

    private mutating func decodeLinkInfo(_ linkInfo: NetlinkAttribute) throws(NetlinkError) {
        let members = try linkInfo.nested()
        for member in members where Int(member.type) == IFLA_INFO_KIND {
            kind = member.string
        }
        guard kind == "vxlan", let data = members.first(where: { Int($0.type) == IFLA_INFO_DATA }) else { return }
        vxlan = try Vxlan(decoding: data)
    }
}

extension LinkAttributes.Vxlan {
    /// `IFLA_VXLAN_LOCAL6` (`linux/if_link.h`), 17 in every kernel since 3.12.
    static let local6 = UInt16(IFLA_VXLAN_LOCAL6)

    /// The members of `IFLA_INFO_DATA` that are set, in the order `ip link add … type vxlan`
    /// sends them. An IPv6 `local` goes in `IFLA_VXLAN_LOCAL6`, which makes the device an IPv6
    /// one (its remotes, the fdb entries' `dst`, are IPv6 then).
    func put(into data: inout NetlinkRequest) {
        if let vni { data.putUInt32(UInt16(IFLA_VXLAN_ID), vni) }
        if let local {
            data.putAddress(local.family == NetlinkAddress.inet6 ? Self.local6 : UInt16(IFLA_VXLAN_LOCAL), local)
        }
        if let underlayIndex { data.putUInt32(UInt16(IFLA_VXLAN_LINK), underlayIndex) }
        if let port { data.putUInt16(UInt16(IFLA_VXLAN_PORT), bigEndian: port) }
        if let learning { data.putUInt8(UInt16(IFLA_VXLAN_LEARNING), learning ? 1 : 0) }
        if gbp { data.putBytes(UInt16(IFLA_VXLAN_GBP), []) }
    }

    init(decoding data: NetlinkAttribute) throws(NetlinkError) {
        self.init()
        for attribute in try data.nested() {
            switch Int(attribute.type) {
            case IFLA_VXLAN_ID: vni = try attribute.u32("IFLA_VXLAN_ID")
            case IFLA_VXLAN_LOCAL: local = try attribute.address(family: NetlinkAddress.inet, "IFLA_VXLAN_LOCAL")
            case IFLA_VXLAN_LOCAL6: local = try attribute.address(family: NetlinkAddress.inet6, "IFLA_VXLAN_LOCAL6")
            case IFLA_VXLAN_LINK: underlayIndex = try attribute.u32("IFLA_VXLAN_LINK")
            case IFLA_VXLAN_PORT:
                _ = try attribute.require(2, "IFLA_VXLAN_PORT")
                port = attribute.bigEndianUInt16
            case IFLA_VXLAN_LEARNING:
                _ = try attribute.require(1, "IFLA_VXLAN_LEARNING")
                learning = attribute.uint8 != 0
            case IFLA_VXLAN_GBP: gbp = true
            default: break
            }
        }
    }
}
