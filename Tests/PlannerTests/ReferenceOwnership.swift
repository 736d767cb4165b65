import NetState
import Planner

/// DESIGN.md's safety contract ("Ownership") restated in the tests' own words, for the oracles.
/// It reads the contract's parameters out of an `Ownership` value but never asks it anything:
/// no `owns`, no `protects`, no `protectingLearntMACs`. Where the two disagree, one is wrong.
struct ReferenceOwnership {
    let cluster: IPv4Prefix
    let ownSubnet: IPv4Prefix
    let vxlanDevice: String
    let underlay: String
    let leaseLengths: Set<UInt8>
    let skippedSubnets: Set<IPv4Prefix>
    let skippedPublicIPs: Set<IPv4Address>
    /// The skipped peers' VtepMACs: the ones their leases name, and the ones their neighbour
    /// entries on the vxlan device point at in the observed kernel (their leases may not say).
    let skippedMACs: Set<MACAddress>

    /// The contract as it stands for the kernel `observed`.
    init(_ contract: Ownership, observed: NetworkState) {
        cluster = contract.cluster
        ownSubnet = contract.ownSubnet
        vxlanDevice = contract.vxlanDevice
        underlay = contract.underlay
        leaseLengths = Set(contract.subnetLengths)
        skippedSubnets = contract.skipped.subnets
        skippedPublicIPs = contract.skipped.publicIPs
        var macs = contract.skipped.macs
        // Flannel's neighbour for a subnet S sits at S's first address.
        let skippedNeighborIPs = Set(contract.skipped.subnets.map { $0.address.value })
        for neighbor in observed.neighbors.values
        where neighbor.key.device == contract.vxlanDevice && skippedNeighborIPs.contains(neighbor.key.ip.value) {
            if let mac = neighbor.lladdr { macs.insert(mac) }
        }
        skippedMACs = macs
    }

    /// `inner` lies inside `outer`: at least as long, and the same in `outer`'s leading bits.
    static func isInside(_ inner: IPv4Prefix, _ outer: IPv4Prefix) -> Bool {
        guard inner.length >= outer.length else { return false }
        let bits = UInt32(outer.length)
        let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << (32 - bits)
        return inner.address.value & mask == outer.address.value & mask
    }

    /// Ours: a route with exactly the shape flannel gives its routes, to a peer's lease.
    func owns(_ route: Route) -> Bool {
        let destination = route.key.destination
        if route.key.table.rawValue != 254 { return false }  // main only
        if route.type.rawValue != 1 { return false }  // unicast only
        if route.proto.rawValue != 3 { return false }  // `proto boot` only
        if !leaseLengths.contains(destination.length) { return false }
        if !Self.isInside(destination, cluster) { return false }
        if Self.isInside(destination, ownSubnet) { return false }
        if skippedSubnets.contains(destination) { return false }
        switch route.device {
        case vxlanDevice?: return true
        case underlay?: return route.gateway != nil
        default: return false
        }
    }

    func owns(_ neighbor: Neighbor) -> Bool {
        guard neighbor.key.device == vxlanDevice, neighbor.state.rawValue == 0x80 else { return false }
        return !skippedSubnets.contains { $0.address == neighbor.key.ip }
    }

    func owns(_ entry: FdbEntry) -> Bool {
        guard entry.key.device == vxlanDevice, entry.isSelf, let destination = entry.destination else { return false }
        return !skippedMACs.contains(entry.key.mac) && !skippedPublicIPs.contains(destination)
    }

    func owns(_ table: NftTable.Key) -> Bool { table.family == .ip && table.name == "flannel-ipv4" }

    func owns(_ link: VxlanLink) -> Bool { link.name == vxlanDevice }

    /// A skipped peer's: never created, replaced or deleted, even on the vxlan device.
    func isSkippedPeers(_ route: Route) -> Bool { skippedSubnets.contains(route.key.destination) }
    func isSkippedPeers(_ neighbor: Neighbor) -> Bool { skippedSubnets.contains { $0.address == neighbor.key.ip } }
    func isSkippedPeers(_ entry: FdbEntry) -> Bool {
        skippedMACs.contains(entry.key.mac) || entry.destination.map(skippedPublicIPs.contains) == true
    }

    /// The objects of `state` this contract lets a plan touch.
    func ownedPart(of state: NetworkState) -> NetworkState {
        var owned = NetworkState()
        if let link = state.vxlan, owns(link) { owned.vxlan = link }
        owned.routes = state.routes.filter { owns($0.value) }
        owned.neighbors = state.neighbors.filter { owns($0.value) }
        owned.fdb = state.fdb.filter { owns($0.value) }
        owned.tables = state.tables.filter { owns($0.key) }
        return owned
    }

    /// Everything else.
    func foreignPart(of state: NetworkState) -> NetworkState {
        var foreign = NetworkState()
        if let link = state.vxlan, !owns(link) { foreign.vxlan = link }
        foreign.routes = state.routes.filter { !owns($0.value) }
        foreign.neighbors = state.neighbors.filter { !owns($0.value) }
        foreign.fdb = state.fdb.filter { !owns($0.value) }
        foreign.tables = state.tables.filter { !owns($0.key) }
        return foreign
    }
}
