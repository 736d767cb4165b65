import NetState

/// What this node's kernel should hold, with what it was computed for.
public struct DesiredNode: Hashable, Sendable {
    public var state: NetworkState
    public var ownLease: Lease
    /// The backend this node runs after overrides: it decides the device MAC and DirectRouting.
    public var backend: BackendType
    /// Peers left out, each with why; their objects in the kernel are to be left as they are.
    public var skipped: [SkippedPeer]
    /// The underlay interface the state was computed for.
    public var underlay: String
    /// The prefix lengths leases have here (`SubnetLen` and those present), for ownership.
    public var subnetLengths: [UInt8]
    public var subnetEnv: SubnetEnv
}

/// The pure function at the heart of the tool: flannel's inputs in, this node's desired kernel
/// state out. Nothing here reads the kernel; link facts come in as a value.
public enum DesiredState {
    /// Computes the desired state, refusing bad input before computing anything.
    ///
    /// - A peer is reached the way its lease advertises (`BackendType`, or the network's type
    ///   when the lease does not say; `--backend` overrides both): vxlan peers through
    ///   `flannel.<VNI>` (route `S via S.0 onlink`, neighbour `S.0 -> VtepMAC`, FDB
    ///   `VtepMAC -> PublicIP`), host-gw peers `S via PublicIP dev <underlay>`. A vxlan node with
    ///   `DirectRouting` reaches on-link vxlan peers directly too.
    /// - The vxlan device exists while this node or any peer is vxlan, and while any lease
    ///   itself (before `--backend`) still advertises vxlan: peers that have not switched yet
    ///   still encapsulate to us, whatever this node was told to plan.
    /// - A problem confined to one peer skips that peer (`DesiredNode.skipped`); a problem with
    ///   this node's own lease or the network refuses everything.
    public static func compute(
        netConf: NetConf, leases: [Lease], rejected: [RejectedLease] = [], node: NodeSelector, facts: LinkFacts,
        options: DesiredOptions = DesiredOptions(), source: String? = nil
    ) throws(InputError) -> DesiredNode {
        func type(of lease: Lease) -> BackendType {
            options.backendOverride ?? lease.backendType ?? netConf.backend.type
        }
        let ownIndex = try ownLeaseIndex(leases, rejected: rejected, node: node, facts: facts, source: source)
        let own = leases[ownIndex]
        let backend = type(of: own)
        try OwnLeaseCheck.check(
            own, netConf: netConf, facts: facts, backend: backend, override: options.backendOverride, source: source
        )
        let screening = PeerScreening(
            leases: leases, rejected: rejected, own: ownIndex, netConf: netConf, facts: facts, type: type(of:),
            source: source
        )
        let device = netConf.vxlanDeviceName
        let (underlayMTU, mtuOrigin) = netConf.backend.mtu.map { ($0, "net-conf Backend.MTU") } ?? (facts.mtu, facts.mtuSource)
        // The vxlan headers take 50 bytes of the underlay MTU: below that there is no device.
        guard underlayMTU >= 50 + 68 else {
            throw InputError(
                .invalidValue, source: nil, field: mtuOrigin,
                "underlay MTU \(underlayMTU) leaves no room for the 50 bytes of vxlan headers and a 68-byte IPv4 packet (the vxlan device would get \(Int64(underlayMTU) - 50); it needs at least 68)"
            )
        }
        // The vxlan driver's largest MTU is 65535 minus its headers (a loopback underlay
        // reports 65536): above it the kernel would refuse the device.
        guard underlayMTU <= 65535 else {
            throw InputError(
                .invalidValue, source: nil, field: mtuOrigin,
                "underlay MTU \(underlayMTU) is above 65535, the largest a vxlan underlay can carry"
            )
        }
        let vxlanPeers = leases.indices.reduce(into: 0) { count, index in
            if index != ownIndex && type(of: leases[index]) == .vxlan { count += 1 }
        }

        // The tables are filled directly, sized once: the leases were checked above, so no two
        // peers share a subnet (route and neighbour keys) or a VtepMAC (FDB keys).
        var routes: [Route.Key: Route] = [:]
        var neighbors: [Neighbor.Key: Neighbor] = [:]
        var fdb: [FdbEntry.Key: FdbEntry] = [:]
        routes.reserveCapacity(leases.count)
        neighbors.reserveCapacity(vxlanPeers)
        fdb.reserveCapacity(vxlanPeers)
        // A lease that still advertises vxlan, this node's included, means vxlan traffic may
        // still arrive here, whatever `--backend` plans for the peers.
        var needsDevice = backend == .vxlan
            || leases.contains { ($0.backendType ?? netConf.backend.type) == .vxlan }
        // Fields are read in place: copying each `Lease` out retained its strings twice per peer.
        // Whether a peer is on-link is asked only where it decides something.
        func direct(_ index: Int) -> Route {
            Route(key: Route.Key(destination: leases[index].subnet), gateway: leases[index].publicIP, device: facts.underlay)
        }
        for index in leases.indices where index != ownIndex && screening.skipReasons[index] == nil {
            switch type(of: leases[index]) {
            case .hostGW:
                let route = direct(index)
                Self.insert(route, key: route.key, into: &routes)
            case .vxlan:
                needsDevice = true
                if backend == .vxlan && netConf.backend.directRouting && facts.isOnLink(leases[index].publicIP) {
                    let route = direct(index)
                    Self.insert(route, key: route.key, into: &routes)
                    continue
                }
                // Checked above: every vxlan lease has a VtepMAC.
                guard let mac = leases[index].vtepMAC else { continue }
                let subnet = leases[index].subnet
                let gateway = subnet.address
                let route = Route(key: Route.Key(destination: subnet), gateway: gateway, device: device, onLink: true)
                let neighbor = Neighbor(key: Neighbor.Key(device: device, ip: gateway), lladdr: mac)
                let entry = FdbEntry(device: device, mac: mac, destination: leases[index].publicIP)
                Self.insert(route, key: route.key, into: &routes)
                Self.insert(neighbor, key: neighbor.key, into: &neighbors)
                Self.insert(entry, key: entry.key, into: &fdb)
            }
        }

        let link: VxlanLink? = needsDevice
            ? VxlanLink(
                name: device, vni: netConf.backend.vni, local: own.publicIP, underlay: facts.underlay,
                port: netConf.backend.port == 0 ? VxlanLink.defaultPort : netConf.backend.port,
                gbp: netConf.backend.gbp, mtu: underlayMTU - 50,
                // Peers' neighbour entries point at this MAC: it stays while the device does.
                mac: own.vtepMAC,
                addresses: [InterfaceAddress(address: own.subnet.address, length: 32)]
            )
            : nil
        let table = MasqueradeTable.table(
            cluster: netConf.network, lease: own.subnet, ipMasq: options.ipMasq, fullyRandom: options.fullyRandom
        )
        var state = NetworkState(vxlan: link, tables: [table])
        state.routes = routes
        state.neighbors = neighbors
        state.fdb = fdb
        // Only leases that passed widen what can be ours: a skipped lease of another length
        // must not make routes of that length ownable.
        var lengths: Set<UInt8> = [netConf.leaseLength]
        for index in leases.indices where screening.skipReasons[index] == nil { lengths.insert(leases[index].subnet.length) }
        return DesiredNode(
            state: state,
            ownLease: own,
            backend: backend,
            skipped: screening.skipped,
            underlay: facts.underlay,
            subnetLengths: lengths.sorted(),
            subnetEnv: SubnetEnv(
                network: netConf.network, lease: own.subnet,
                mtu: backend == .vxlan ? underlayMTU - 50 : facts.mtu, ipMasq: options.ipMasq
            )
        )
    }

    /// Finds this node's lease. Two leases claiming the same PublicIP or name is an error: the
    /// tool cannot tell which subnet the node's pods live in.
    public static func ownLease(
        _ leases: [Lease], rejected: [RejectedLease] = [], node: NodeSelector, facts: LinkFacts, source: String?
    ) throws(InputError) -> Lease {
        leases[try ownLeaseIndex(leases, rejected: rejected, node: node, facts: facts, source: source)]
    }

    /// `ownLease`'s position in `leases`, so the peers can be told from it without comparing
    /// whole leases. When no lease that parsed is this node's but a record that did not parse
    /// is, that record's error is the answer: a node whose own lease is broken refuses all.
    static func ownLeaseIndex(
        _ leases: [Lease], rejected: [RejectedLease] = [], node: NodeSelector, facts: LinkFacts, source: String?
    ) throws(InputError) -> Int {
        func matches(_ lease: Lease) -> Bool {
            switch node {
            case let .publicIP(ip): lease.publicIP == ip
            case let .name(name): lease.nodeName == name
            case .automatic: facts.isLocal(lease.publicIP)
            }
        }
        guard let own = leases.firstIndex(where: matches) else {
            let broken = rejected.first { record in
                switch node {
                case let .publicIP(ip): record.publicIP == ip
                case let .name(name): record.nodeName == name
                case .automatic: record.publicIP.map(facts.isLocal) ?? false
                }
            }
            if let broken {
                var error = broken.error
                error.message = "this node's own lease is invalid: \(error.message)"
                throw error
            }
            let hint = node == .automatic ? "; pass --node-ip or --node" : ""
            throw InputError(.noLeaseForNode, source: source, "no lease for \(node)\(hint)")
        }
        if leases[(own + 1)...].contains(where: matches) {
            throw InputError(
                .duplicateLease, source: source, field: leases.filter(matches).map(\.key).joined(separator: " and "),
                "several leases belong to \(node)"
            )
        }
        return own
    }

    /// Adds `object` unless its key is taken: the first of two objects with one key wins, as in
    /// `NetworkState.init`. One hash probe when the key is new, the usual case.
    private static func insert<Key: Hashable, Object>(_ object: Object, key: Key, into table: inout [Key: Object]) {
        if let first = table.updateValue(object, forKey: key) { table[key] = first }
    }
}
