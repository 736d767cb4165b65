import NetState

/// The safety contract: which kernel objects the reconciler may change. Everything else on the
/// host stays byte-identical, whatever the plan or the leases say. The planner asks it object by
/// object, the executor asks it again for every change before sending anything, and `reconcile`'s
/// event filter and targeted repair ask it too: one rule, in one place.
public struct Ownership: Hashable, Sendable {
    /// The cluster CIDR (`Network`).
    public var cluster: IPv4Prefix
    /// This node's lease: its `cni0` connected route is the CNI plugin's, never ours.
    public var ownSubnet: IPv4Prefix
    /// `flannel.<VNI>`.
    public var vxlanDevice: String
    /// The underlay interface: host-gw and DirectRouting routes go `via P dev <underlay>`.
    public var underlay: String
    /// The prefix lengths a lease can have: `SubnetLen` (or flannel's default for the Network)
    /// and every length among the current leases (kube mode takes `podCIDR` as it is), sorted.
    public var subnetLengths: [UInt8]
    /// Objects of peers left out of the desired state (an invalid lease, a host-gw peer that is
    /// not on-link): they are left exactly as they are, neither created nor deleted.
    public var skipped: SkippedObjects

    public init(
        cluster: IPv4Prefix, ownSubnet: IPv4Prefix, vxlanDevice: String, underlay: String, subnetLengths: [UInt8],
        skipped: SkippedObjects = SkippedObjects()
    ) {
        self.cluster = cluster
        self.ownSubnet = ownSubnet
        self.vxlanDevice = vxlanDevice
        self.underlay = underlay
        self.subnetLengths = Array(Set(subnetLengths)).sorted()
        self.skipped = skipped
    }

    /// A route is ours only when it has the shape of a route flannel installs: table main,
    /// unicast, `proto boot` (what flannel's netlink library leaves in `rtm_protocol`; routes of
    /// routing daemons, `proto static` and connected routes never are), a destination inside
    /// the cluster CIDR with a lease's prefix length but not inside our own lease (per-pod routes
    /// there are Calico's in Canal), and either on the vxlan device or via a gateway on the
    /// underlay. The default route can never qualify: no lease has length 0.
    public func owns(_ route: Route) -> Bool {
        let destination = route.key.destination
        guard route.key.table == .main, route.type == .unicast, route.proto == .boot,
              subnetLengths.contains(destination.length), cluster.contains(destination),
              !ownSubnet.contains(destination), let device = route.device
        else { return false }
        guard device == vxlanDevice || (device == underlay && route.gateway != nil) else { return false }
        return !skipped.protects(route)
    }

    /// Permanent entries on the vxlan device. Entries the kernel learnt are left alone.
    public func owns(_ neighbor: Neighbor) -> Bool {
        neighbor.key.device == vxlanDevice && neighbor.state == .permanent && !skipped.protects(neighbor)
    }

    /// `self` entries with a destination on the vxlan device.
    public func owns(_ entry: FdbEntry) -> Bool {
        entry.key.device == vxlanDevice && entry.isSelf && entry.destination != nil && !skipped.protects(entry)
    }

    public func owns(_ table: NftTable.Key) -> Bool { table == NftTable.flannelKey }

    /// A neighbour on the vxlan device that is not ours (one the kernel learnt) may be replaced
    /// by the permanent entry flannel would install, as flannel's `NeighSet` does; never one of a
    /// skipped peer.
    public func mayReplace(_ neighbor: Neighbor) -> Bool {
        neighbor.key.device == vxlanDevice && !skipped.protects(neighbor)
    }

    /// The same for FDB entries on the vxlan device.
    public func mayReplace(_ entry: FdbEntry) -> Bool {
        entry.key.device == vxlanDevice && !skipped.protects(entry)
    }

    /// The link is ours by name: only `flannel.<VNI>`, and only as a vxlan device (the observer
    /// refuses a device of that name of another kind).
    public func owns(_ link: VxlanLink) -> Bool { ownsLink(named: link.name) }

    /// The same rule for a link known by name only (a kernel notification about it).
    public func ownsLink(named name: String) -> Bool { name == vxlanDevice }

    /// Restricts an observed state to the objects this contract lets the plan touch.
    public func ownedPart(of state: NetworkState) -> NetworkState {
        var owned = NetworkState(vxlan: state.vxlan.flatMap { owns($0) ? $0 : nil })
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
    public private(set) var subnets: Set<IPv4Prefix>
    public private(set) var publicIPs: Set<IPv4Address>
    public private(set) var macs: Set<MACAddress>
    /// The subnets' first addresses, where their neighbours sit: one hash probe per neighbour.
    private var neighborIPs: Set<IPv4Address>

    public init(subnets: Set<IPv4Prefix> = [], publicIPs: Set<IPv4Address> = [], macs: Set<MACAddress> = []) {
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
