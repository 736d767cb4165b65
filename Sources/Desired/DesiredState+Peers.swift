import NetState

extension DesiredState {
    /// The routes, neighbours and FDB entries the programmed peers need.
    struct PeerTables {
        var routes = KeyedTable<Route>()
        var neighbors = KeyedTable<Neighbor>()
        var fdb = KeyedTable<FdbEntry>()
    }

    /// Builds one family's tables from arrays sized once, sorted once: the screening skipped
    /// every peer that shares a subnet (route and neighbour keys) or a VtepMAC (FDB keys) with
    /// another (were two keys equal anyway, the first would win). Leases
    /// are passed borrowed, not copied out (a copy retained its strings twice per peer), and
    /// whether a peer is on-link is asked only where it decides something.
    static func peerTables(
        leases: [Lease], own: Int, family: AddressFamily, skipped: [Int: SkippedPeer], backend: BackendType,
        netConf: NetConf, facts: LinkFacts, type: (Lease) -> BackendType
    ) -> PeerTables {
        var routes: [Route] = []
        var neighbors: [Neighbor] = []
        var fdb: [FdbEntry] = []
        let vxlanPeers = leases.indices.reduce(into: 0) { count, index in
            if index != own && type(leases[index]) == .vxlan { count += 1 }
        }
        routes.reserveCapacity(leases.count)
        neighbors.reserveCapacity(vxlanPeers)
        fdb.reserveCapacity(vxlanPeers)
        let device = netConf.vxlanDeviceName(family)
        for index in leases.indices where index != own && skipped[index] == nil {
            guard let half = leases[index].half(family) else { continue }
            let objects = peerObjects(half, type: type(leases[index]), backend: backend, netConf: netConf, facts: facts, device: device)
            if let route = objects.route { routes.append(route) }
            if let neighbor = objects.neighbor { neighbors.append(neighbor) }
            if let entry = objects.fdb { fdb.append(entry) }
        }
        return PeerTables(routes: KeyedTable(routes), neighbors: KeyedTable(neighbors), fdb: KeyedTable(fdb))
    }

    /// One programmed peer's objects.
    struct PeerObjects: Equatable {
        var route: Route?
        var neighbor: Neighbor?
        var fdb: FdbEntry?
    }

    /// The metric the kernel gives a route added without one: IPv4 routes get 0, IPv6 routes
    /// 1024 (`IP6_RT_PRIO_USER`); flannel adds its routes without one, so a converged node holds
    /// these.
    static func kernelMetric(_ family: AddressFamily) -> UInt32 { family == .inet ? 0 : 1024 }

    /// The objects that reach one family's half of a peer that passed the screening:
    /// `S via PublicIP dev <underlay>` for host-gw (and for on-link vxlan peers of a
    /// DirectRouting vxlan node), else `S via S.0 onlink` through the family's vxlan device with
    /// the neighbour `S.0 -> VtepMAC` and the FDB entry `VtepMAC -> PublicIP`. Shared with
    /// `IncrementalPeers`, so a peer planned alone gets exactly what the whole computation gives
    /// it.
    @inline(__always)
    static func peerObjects(
        _ half: LeaseHalf, type: BackendType, backend: BackendType, netConf: NetConf, facts: LinkFacts, device: String
    ) -> PeerObjects {
        // Screened: every half still in has a PublicIP.
        guard let publicIP = half.publicIP else { return PeerObjects() }
        let key = Route.Key(destination: half.subnet, metric: kernelMetric(half.subnet.family))
        switch type {
        case .hostGW:
            return PeerObjects(route: Route(key: key, gateway: publicIP, device: facts.underlay))
        case .vxlan:
            if backend == .vxlan && netConf.backend.directRouting && facts.isOnLink(publicIP) {
                return PeerObjects(route: Route(key: key, gateway: publicIP, device: facts.underlay))
            }
            // Screened: every vxlan peer still in has a VtepMAC.
            guard let mac = half.vtepMAC else { return PeerObjects() }
            let gateway = half.subnet.address
            return PeerObjects(
                route: Route(key: key, gateway: gateway, device: device, onLink: true),
                neighbor: Neighbor(key: Neighbor.Key(device: device, ip: gateway), lladdr: mac),
                fdb: FdbEntry(device: device, mac: mac, destination: publicIP)
            )
        }
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
}
