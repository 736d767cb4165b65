import NetState
import Planner

/// DESIGN.md's safety contract ("Ownership") restated in the tests' own words, for the oracles.
/// It reads the contract's parameters out of an `Ownership` value but never asks it anything:
/// no `owns`, no `protects`, no `protectingLearntMACs`. Where the two disagree, one is wrong.
struct ReferenceOwnership {
    /// Per family (`AF_INET` 2, `AF_INET6` 10): the cluster CIDR, the own lease, the lengths.
    struct FamilyPart {
        let cluster: IPPrefix
        let ownSubnet: IPPrefix?
        let leaseLengths: Set<UInt8>
    }
    let families: [UInt8: FamilyPart]
    let vxlanDevice: String
    let vxlan6Device: String
    let underlay: String
    let skippedSubnets: Set<IPPrefix>
    let skippedPublicIPs: Set<IPAddress>
    /// The skipped peers' VtepMACs: the ones their leases name, and the ones their neighbour
    /// entries on the vxlan devices point at in the observed kernel (their leases may not say).
    let skippedMACs: Set<MACAddress>

    /// The contract as it stands for the kernel `observed`.
    init(_ contract: Ownership, observed: NetworkState) {
        var families: [UInt8: FamilyPart] = [:]
        for (number, part) in [(UInt8(2), contract.ipv4), (UInt8(10), contract.ipv6)] {
            guard let part else { continue }
            families[number] = FamilyPart(cluster: part.cluster, ownSubnet: part.ownSubnet, leaseLengths: Set(part.subnetLengths))
        }
        self.families = families
        vxlanDevice = contract.vxlanDevice
        vxlan6Device = contract.vxlan6Device
        underlay = contract.underlay
        skippedSubnets = contract.skipped.subnets
        skippedPublicIPs = contract.skipped.publicIPs
        var macs = contract.skipped.macs
        // Flannel's neighbour for a subnet S sits at S's first address.
        let skippedNeighborIPs = Set(contract.skipped.subnets.map { $0.address.bytes })
        for neighbor in observed.neighbors.values
        where [vxlanDevice, vxlan6Device].contains(neighbor.key.device) && skippedNeighborIPs.contains(neighbor.key.ip.bytes) {
            if let mac = neighbor.lladdr { macs.insert(mac) }
        }
        skippedMACs = macs
    }

    /// `inner` lies inside `outer`: the same family (the same byte count), at least as long,
    /// and the same in `outer`'s leading bits, compared bit by bit on the network-order bytes.
    static func isInside(_ inner: IPPrefix, _ outer: IPPrefix) -> Bool {
        let (a, b) = (inner.address.bytes, outer.address.bytes)
        guard a.count == b.count, inner.length >= outer.length else { return false }
        for bit in 0..<Int(outer.length) where (a[bit / 8] >> (7 - bit % 8)) & 1 != (b[bit / 8] >> (7 - bit % 8)) & 1 {
            return false
        }
        return true
    }

    /// The family number of an address by its byte count.
    static func family(_ address: IPAddress) -> UInt8 { address.bytes.count == 4 ? 2 : 10 }

    func device(ofFamily family: UInt8) -> String { family == 2 ? vxlanDevice : vxlan6Device }

    /// Ours: a route with exactly the shape flannel gives its routes, to a peer's lease of a
    /// family the node runs, on that family's vxlan device or via a gateway on the underlay.
    func owns(_ route: Route) -> Bool {
        let destination = route.key.destination
        let family = Self.family(destination.address)
        guard let part = families[family] else { return false }
        if route.key.table.rawValue != 254 { return false }  // main only
        if route.type.rawValue != 1 { return false }  // unicast only
        if route.proto.rawValue != 3 { return false }  // `proto boot` only
        if !part.leaseLengths.contains(destination.length) { return false }
        if !Self.isInside(destination, part.cluster) { return false }
        if let own = part.ownSubnet, Self.isInside(destination, own) { return false }
        if skippedSubnets.contains(destination) { return false }
        switch route.device {
        case device(ofFamily: family)?: return true
        case underlay?: return route.gateway != nil
        default: return false
        }
    }

    /// A neighbour of the family its device is for (IPv4 on `flannel.1`, IPv6 on
    /// `flannel-v6.1`) of a family the node runs.
    func familyOfDevice(_ neighbor: Neighbor) -> Bool {
        let family = Self.family(neighbor.key.ip)
        return families[family] != nil && neighbor.key.device == device(ofFamily: family)
    }

    func owns(_ neighbor: Neighbor) -> Bool {
        let family = Self.family(neighbor.key.ip)
        guard families[family] != nil, neighbor.key.device == device(ofFamily: family), neighbor.state.rawValue == 0x80
        else { return false }
        return !skippedSubnets.contains { $0.address == neighbor.key.ip }
    }

    func owns(_ entry: FdbEntry) -> Bool {
        guard entry.isSelf, let destination = entry.destination, families[Self.family(destination)] != nil,
              entry.key.device == device(ofFamily: Self.family(destination))
        else { return false }
        return !skippedMACs.contains(entry.key.mac) && !skippedPublicIPs.contains(destination)
    }

    func owns(_ table: NftTable.Key) -> Bool { table.family == .ip && table.name == "flannel-ipv4" }

    func owns(_ link: VxlanLink) -> Bool { link.name == vxlanDevice || link.name == vxlan6Device }

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
        if let link = state.vxlan6, owns(link) { owned.vxlan6 = link }
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
        if let link = state.vxlan6, !owns(link) { foreign.vxlan6 = link }
        foreign.routes = state.routes.filter { !owns($0.value) }
        foreign.neighbors = state.neighbors.filter { !owns($0.value) }
        foreign.fdb = state.fdb.filter { !owns($0.value) }
        foreign.tables = state.tables.filter { !owns($0.key) }
        return foreign
    }
}
