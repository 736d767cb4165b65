import NetState

/// The safety contract: which kernel objects the reconciler may change. Everything else on the
/// host stays byte-identical, whatever the plan says.
public struct Ownership: Hashable, Sendable, Codable {
    /// The cluster CIDR (`Network`).
    public var cluster: IPv4Prefix
    /// This node's lease: its `cni0` connected route is the CNI plugin's, never ours.
    public var ownSubnet: IPv4Prefix
    /// `flannel.<VNI>`.
    public var vxlanDevice: String

    public init(cluster: IPv4Prefix, ownSubnet: IPv4Prefix, vxlanDevice: String) {
        self.cluster = cluster
        self.ownSubnet = ownSubnet
        self.vxlanDevice = vxlanDevice
    }

    /// Table main, unicast, destination inside the cluster CIDR but not inside our own lease, and
    /// not a kernel-made connected route. Blackholes, other tables and underlay routes are
    /// foreign; so are per-pod routes inside our own lease (Calico's in Canal, proto boot), since
    /// flannel never installs a route there.
    public func owns(_ route: Route) -> Bool {
        route.key.table == .main && route.type == .unicast && cluster.contains(route.key.destination)
            && !ownSubnet.contains(route.key.destination) && route.proto != .kernel
    }

    /// Permanent entries on the vxlan device. Entries the kernel learnt are left alone.
    public func owns(_ neighbor: Neighbor) -> Bool {
        neighbor.key.device == vxlanDevice && neighbor.state == .permanent
    }

    /// `self` entries with a destination on the vxlan device.
    public func owns(_ entry: FdbEntry) -> Bool {
        entry.key.device == vxlanDevice && entry.isSelf && entry.destination != nil
    }

    public func owns(_ table: NftTable.Key) -> Bool { table == NftTable.flannelKey }

    /// Restricts an observed state to the objects this contract lets the plan touch.
    public func ownedPart(of state: NetworkState) -> NetworkState {
        var owned = NetworkState(vxlan: state.vxlan?.name == vxlanDevice ? state.vxlan : nil)
        owned.routes = state.routes.filter { owns($0.value) }
        owned.neighbors = state.neighbors.filter { owns($0.value) }
        owned.fdb = state.fdb.filter { owns($0.value) }
        owned.tables = state.tables.filter { owns($0.key) }
        return owned
    }
}
