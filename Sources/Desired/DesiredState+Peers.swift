import NetState

extension DesiredState {
    /// The routes, neighbours and FDB entries the programmed peers need.
    struct PeerTables {
        var routes: [Route.Key: Route] = [:]
        var neighbors: [Neighbor.Key: Neighbor] = [:]
        var fdb: [FdbEntry.Key: FdbEntry] = [:]
    }

    /// Fills the tables directly, sized once: the screening skipped every peer that shares a
    /// subnet (route and neighbour keys) or a VtepMAC (FDB keys) with another. Fields are read in
    /// place (copying each `Lease` out retained its strings twice per peer), and whether a peer
    /// is on-link is asked only where it decides something.
    static func peerTables(
        leases: [Lease], own: Int, skipped: [SkippedPeer?], backend: BackendType, netConf: NetConf, facts: LinkFacts,
        type: (Lease) -> BackendType
    ) -> PeerTables {
        let device = netConf.vxlanDeviceName
        var tables = PeerTables()
        let vxlanPeers = leases.indices.reduce(into: 0) { count, index in
            if index != own && type(leases[index]) == .vxlan { count += 1 }
        }
        tables.routes.reserveCapacity(leases.count)
        tables.neighbors.reserveCapacity(vxlanPeers)
        tables.fdb.reserveCapacity(vxlanPeers)
        func direct(_ index: Int) -> Route {
            Route(key: Route.Key(destination: leases[index].subnet), gateway: leases[index].publicIP, device: facts.underlay)
        }
        for index in leases.indices where index != own && skipped[index] == nil {
            switch type(leases[index]) {
            case .hostGW:
                let route = direct(index)
                insert(route, key: route.key, into: &tables.routes)
            case .vxlan:
                if backend == .vxlan && netConf.backend.directRouting && facts.isOnLink(leases[index].publicIP) {
                    let route = direct(index)
                    insert(route, key: route.key, into: &tables.routes)
                    continue
                }
                // Screened: every vxlan peer still in has a VtepMAC.
                guard let mac = leases[index].vtepMAC else { continue }
                let subnet = leases[index].subnet
                let gateway = subnet.address
                let route = Route(key: Route.Key(destination: subnet), gateway: gateway, device: device, onLink: true)
                let neighbor = Neighbor(key: Neighbor.Key(device: device, ip: gateway), lladdr: mac)
                let entry = FdbEntry(device: device, mac: mac, destination: leases[index].publicIP)
                insert(route, key: route.key, into: &tables.routes)
                insert(neighbor, key: neighbor.key, into: &tables.neighbors)
                insert(entry, key: entry.key, into: &tables.fdb)
            }
        }
        return tables
    }

    /// The underlay MTU the device is sized from (`Backend.MTU`, else the interface's), refused
    /// with where it came from when no vxlan device could have it.
    static func underlayMTU(netConf: NetConf, facts: LinkFacts) throws(InputError) -> UInt32 {
        let (mtu, origin) = netConf.backend.mtu.map { ($0, "net-conf Backend.MTU") } ?? (facts.mtu, facts.mtuSource)
        // The vxlan headers take 50 bytes of the underlay MTU: below that there is no device.
        guard mtu >= 50 + 68 else {
            throw InputError(
                .invalidValue, source: nil, field: origin,
                "underlay MTU \(mtu) leaves no room for the 50 bytes of vxlan headers and a 68-byte IPv4 packet (the vxlan device would get \(Int64(mtu) - 50); it needs at least 68)"
            )
        }
        // The vxlan driver's largest MTU is 65535 minus its headers (a loopback underlay
        // reports 65536): above it the kernel would refuse the device.
        guard mtu <= 65535 else {
            throw InputError(
                .invalidValue, source: nil, field: origin, "underlay MTU \(mtu) is above 65535, the largest a vxlan underlay can carry"
            )
        }
        return mtu
    }

    /// Adds `object` unless its key is taken: the first of two objects with one key wins, as in
    /// `NetworkState.init`. One hash probe when the key is new, the usual case.
    fileprivate static func insert<Key: Hashable, Object>(_ object: Object, key: Key, into table: inout [Key: Object]) {
        if let first = table.updateValue(object, forKey: key) { table[key] = first }
    }
}
