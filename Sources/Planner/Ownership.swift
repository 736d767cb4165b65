import NetState

/// The safety contract: which kernel objects the reconciler may change. Everything else on the
/// host stays byte-identical, whatever the plan or the leases say. The planner asks it object by
/// object, the executor asks it again for every change before sending anything, and `reconcile`'s
/// event filter and targeted repair ask it too: one rule, in one place.
public struct Ownership: Hashable, Sendable {
    /// What one address family's routes may be: inside its cluster CIDR, with a lease's prefix
    /// length, outside this node's own lease.
    public struct Family: Hashable, Sendable {
        /// The cluster CIDR of the family (`Network`, `IPv6Network`).
        public var cluster: IPPrefix
        /// This node's lease of the family: its `cni0` connected route is the CNI plugin's,
        /// never ours. Nil when the node has no lease of the family (an observation without
        /// leases).
        public var ownSubnet: IPPrefix?
        /// The prefix lengths a lease of the family can have (`SubnetLen` / `IPv6SubnetLen` or
        /// flannel's default, and every length among the current leases), sorted.
        public var subnetLengths: [UInt8]

        public init(cluster: IPPrefix, ownSubnet: IPPrefix?, subnetLengths: [UInt8]) {
            self.cluster = cluster
            self.ownSubnet = ownSubnet
            self.subnetLengths = Array(Set(subnetLengths)).sorted()
        }
    }

    /// The IPv4 part; nil on an IPv6-only node (`EnableIPv4: false`): no IPv4 route is ours.
    public var ipv4: Family?
    /// The IPv6 part; nil unless `EnableIPv6`: no IPv6 route is ours.
    public var ipv6: Family?
    /// `flannel.<VNI>`.
    public var vxlanDevice: String
    /// `flannel-v6.<VNI>`.
    public var vxlan6Device: String
    /// The underlay interface: host-gw and DirectRouting routes go `via P dev <underlay>`.
    public var underlay: String
    /// Objects of peers left out of the desired state (an invalid lease, a host-gw peer that is
    /// not on-link): they are left exactly as they are, neither created nor deleted.
    public var skipped: SkippedObjects

    public init(
        ipv4: Family?, ipv6: Family?, vxlanDevice: String, vxlan6Device: String? = nil, underlay: String,
        skipped: SkippedObjects = SkippedObjects()
    ) {
        self.ipv4 = ipv4
        self.ipv6 = ipv6
        self.vxlanDevice = vxlanDevice
        self.vxlan6Device = vxlan6Device ?? VxlanLink.ipv6DeviceName(for: vxlanDevice)
        self.underlay = underlay
        self.skipped = skipped
    }

    /// An IPv4-only contract.
    public init(
        cluster: IPv4Prefix, ownSubnet: IPv4Prefix?, vxlanDevice: String, underlay: String, subnetLengths: [UInt8],
        skipped: SkippedObjects = SkippedObjects()
    ) {
        self.init(
            ipv4: Family(cluster: .v4(cluster), ownSubnet: ownSubnet.map(IPPrefix.v4), subnetLengths: subnetLengths), ipv6: nil,
            vxlanDevice: vxlanDevice, underlay: underlay, skipped: skipped
        )
    }

    /// The part of the contract for `family`.
    public func family(_ family: AddressFamily) -> Family? { family == .inet ? ipv4 : ipv6 }

    /// The vxlan device of `family`.
    public func vxlanDevice(_ family: AddressFamily) -> String { family == .inet ? vxlanDevice : vxlan6Device }

    /// Whether `name` is one of the two vxlan devices.
    public func isVxlanDevice(_ name: String) -> Bool { name == vxlanDevice || name == vxlan6Device }

    /// The IPv4 cluster CIDR, where IPv4-only rules (the MASQUERADE audit) need it.
    public var cluster: IPv4Prefix? { ipv4?.cluster.ipv4 }

    /// A route is ours only when it has the shape of a route flannel installs: table main,
    /// unicast, `proto boot` (what flannel's netlink library leaves in `rtm_protocol`; routes of
    /// routing daemons, `proto static` and connected routes never are), a destination inside
    /// its family's cluster CIDR with a lease's prefix length but not inside our own lease
    /// (per-pod routes there are Calico's in Canal), and either on the family's vxlan device or
    /// via a gateway on the underlay. The default route can never qualify: no lease has length
    /// 0. The kernel's own IPv6 routes on the device (`S6:: proto kernel`, `fe80::/64`) are
    /// never `proto boot`.
    public func owns(_ route: Route) -> Bool {
        let destination = route.key.destination
        guard let scope = family(destination.family), route.key.table == .main, route.type == .unicast,
              route.proto == .boot, scope.subnetLengths.contains(destination.length), scope.cluster.contains(destination),
              !(scope.ownSubnet?.contains(destination) ?? false), let device = route.device
        else { return false }
        guard device == vxlanDevice(destination.family) || (device == underlay && route.gateway != nil) else {
            return false
        }
        return !skipped.protects(route)
    }

    /// Permanent entries of the device's family on a vxlan device of a family this node runs.
    /// Entries the kernel learnt are left alone.
    public func owns(_ neighbor: Neighbor) -> Bool {
        onOwnDevice(neighbor) && neighbor.state == .permanent && !skipped.protects(neighbor)
    }

    /// `self` entries with a destination of the device's family on a vxlan device of a family
    /// this node runs.
    public func owns(_ entry: FdbEntry) -> Bool {
        guard entry.isSelf, let destination = entry.destination, family(destination.family) != nil,
              entry.key.device == vxlanDevice(destination.family)
        else { return false }
        return !skipped.protects(entry)
    }

    /// A neighbour of the family's own device (IPv4 on `flannel.<VNI>`, IPv6 on
    /// `flannel-v6.<VNI>`) of a family this node runs.
    private func onOwnDevice(_ neighbor: Neighbor) -> Bool {
        family(neighbor.key.family) != nil && neighbor.key.device == vxlanDevice(neighbor.key.family)
    }

    /// flannel's nf_tables tables, as wholes: `ip flannel-ipv4` and `ip6 flannel-ipv6`. Both
    /// whatever families the node runs: only flannel names a table so (its nftables manager
    /// creates both and its clean-up deletes both), so on a node without IPv6 (or with ip-masq
    /// off, or in iptables mode) a `flannel-ipv6` table is flannel's leftover, removed as the
    /// IPv4 table is outside nf_tables mode.
    public func owns(_ table: NftTable.Key) -> Bool { NftTable.flannelKeys.contains(table) }

    /// A neighbour on the vxlan device that is not ours (one the kernel learnt) may be replaced
    /// by the permanent entry flannel would install, as flannel's `NeighSet` does; never one of a
    /// skipped peer.
    public func mayReplace(_ neighbor: Neighbor) -> Bool {
        onOwnDevice(neighbor) && !skipped.protects(neighbor)
    }

    /// The same for FDB entries on a vxlan device (an FDB entry's family is its `dst`'s, which
    /// a learnt one may lack: any entry on either device may be replaced).
    public func mayReplace(_ entry: FdbEntry) -> Bool {
        isVxlanDevice(entry.key.device) && !skipped.protects(entry)
    }

    /// The links are ours by name: only `flannel.<VNI>` and `flannel-v6.<VNI>`, and only as
    /// vxlan devices (the observer refuses a device of either name of another kind).
    public func owns(_ link: VxlanLink) -> Bool { ownsLink(named: link.name) }

    /// The same rule for a link known by name only (a kernel notification about it).
    public func ownsLink(named name: String) -> Bool { isVxlanDevice(name) }

    /// Restricts an observed state to the objects this contract lets the plan touch.
    public func ownedPart(of state: NetworkState) -> NetworkState {
        var owned = NetworkState(
            vxlan: state.vxlan.flatMap { owns($0) ? $0 : nil }, vxlan6: state.vxlan6.flatMap { owns($0) ? $0 : nil }
        )
        owned.routes = state.routes.filter { owns($0.value) }
        owned.neighbors = state.neighbors.filter { owns($0.value) }
        owned.fdb = state.fdb.filter { owns($0.value) }
        owned.tables = state.tables.filter { owns($0.key) }
        // The shared iptables-nft tables keep only flannel's chains and rules.
        for key in IptablesNames.tables {
            guard let table = state.tables[key] else { continue }
            let chains: [NftChain] = table.chains.compactMap { chain in
                let rules = chain.rules.filter { ownsIptablesRule($0, chain: chain.name, table: key) }
                guard !rules.isEmpty || ownsIptablesChain(chain.name, table: key) else { return nil }
                var kept = chain
                kept.rules = rules
                return kept
            }
            if !chains.isEmpty { owned.tables[key] = NftTable(key: key, comment: table.comment, chains: chains) }
        }
        return owned
    }
}

/// What belongs to skipped peers, so that nothing of theirs is created, replaced or deleted:
/// the route to their subnet, the neighbour of its first address, and FDB entries of their
/// VtepMAC or towards their PublicIP. A peer whose lease did not parse at all contributes what
/// could be read of it (the subnet of its etcd key, at least).
public struct SkippedObjects: Hashable, Sendable {
    public private(set) var subnets: Set<IPPrefix>
    public private(set) var publicIPs: Set<IPAddress>
    public private(set) var macs: Set<MACAddress>
    /// The subnets' first addresses, where their neighbours sit: one hash probe per neighbour.
    private var neighborIPs: Set<IPAddress>

    public init(subnets: Set<IPPrefix> = [], publicIPs: Set<IPAddress> = [], macs: Set<MACAddress> = []) {
        self.subnets = subnets
        self.publicIPs = publicIPs
        self.macs = macs
        neighborIPs = Set(subnets.map(\.address))
    }

    public func protects(_ route: Route) -> Bool {
        !subnets.isEmpty && subnets.contains(route.key.destination)
    }

    /// The neighbour flannel installs for a subnet `S` is `S.0`, the subnet's own address.
    public func protects(_ neighbor: Neighbor) -> Bool {
        !neighborIPs.isEmpty && neighborIPs.contains(neighbor.key.ip)
    }

    public func protects(_ entry: FdbEntry) -> Bool {
        if !macs.isEmpty && macs.contains(entry.key.mac) { return true }
        guard !publicIPs.isEmpty, let destination = entry.destination else { return false }
        return publicIPs.contains(destination)
    }
}
