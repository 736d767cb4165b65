import NetState

/// What this node's kernel should hold, with what it was computed for.
public struct DesiredNode: Hashable, Sendable {
    public var state: NetworkState
    public var ownLease: Lease
    /// The backend this node runs after overrides: it decides the device MAC and DirectRouting.
    public var backend: BackendType
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
    /// - The vxlan device exists while this node or any peer is vxlan: peers that have not
    ///   switched yet still encapsulate to us.
    public static func compute(
        netConf: NetConf, leases: [Lease], node: NodeSelector, facts: LinkFacts,
        options: DesiredOptions = DesiredOptions(), source: String? = nil
    ) throws(InputError) -> DesiredNode {
        if let problem = LeaseValidation.problems(in: leases, network: netConf.network, source: source).first {
            throw problem
        }
        func type(of lease: Lease) -> BackendType {
            options.backendOverride ?? lease.backendType ?? netConf.backend.type
        }
        for lease in leases where type(of: lease) == .vxlan && lease.vtepMAC == nil {
            throw InputError(
                .missingVtepMAC, source: source, field: lease.key,
                "vxlan lease has no BackendData.VtepMAC (\(options.backendOverride == .vxlan ? "--backend vxlan" : "its BackendType") is vxlan)"
            )
        }
        try checkUniqueVtepMACs(leases.filter { type(of: $0) == .vxlan }, source: source)
        let own = try ownLease(leases, node: node, facts: facts, source: source)
        let backend = type(of: own)
        let device = netConf.vxlanDeviceName
        let underlayMTU = netConf.backend.mtu ?? facts.mtu
        // The vxlan headers take 50 bytes of the underlay MTU: below that there is no device.
        guard underlayMTU >= 50 + 68 else {
            throw InputError(
                .invalidValue, source: nil, field: netConf.backend.mtu == nil ? "underlay MTU" : "Backend.MTU",
                "\(underlayMTU) leaves no room for the 50 bytes of vxlan headers and a 68-byte IPv4 packet"
            )
        }

        var routes: [Route] = []
        var neighbors: [Neighbor] = []
        var fdb: [FdbEntry] = []
        var needsDevice = backend == .vxlan
        for peer in leases where peer != own {
            let onLink = facts.isOnLink(peer.publicIP)
            let direct = Route(
                key: Route.Key(destination: peer.subnet), gateway: peer.publicIP, device: facts.underlay
            )
            switch type(of: peer) {
            case .hostGW:
                guard onLink else {
                    throw InputError(
                        .peerNotOnLink, source: source, field: peer.displayName,
                        "host-gw cannot reach \(peer.subnet) via \(peer.publicIP): the peer is not on-link on \(facts.underlay)"
                    )
                }
                routes.append(direct)
            case .vxlan:
                needsDevice = true
                if backend == .vxlan && netConf.backend.directRouting && onLink {
                    routes.append(direct)
                    continue
                }
                // Checked above: every vxlan lease has a VtepMAC.
                guard let mac = peer.vtepMAC else { continue }
                let gateway = peer.subnet.address
                routes.append(
                    Route(key: Route.Key(destination: peer.subnet), gateway: gateway, device: device, onLink: true)
                )
                neighbors.append(Neighbor(key: Neighbor.Key(device: device, ip: gateway), lladdr: mac))
                fdb.append(FdbEntry(device: device, mac: mac, destination: peer.publicIP))
            }
        }

        let link: VxlanLink? = needsDevice
            ? VxlanLink(
                name: device, vni: netConf.backend.vni, local: own.publicIP, underlay: facts.underlay,
                port: netConf.backend.port == 0 ? VxlanLink.defaultPort : netConf.backend.port,
                gbp: netConf.backend.gbp, mtu: underlayMTU - 50,
                mac: backend == .vxlan ? own.vtepMAC : nil,
                addresses: [InterfaceAddress(address: own.subnet.address, length: 32)]
            )
            : nil
        let table = MasqueradeTable.table(
            cluster: netConf.network, lease: own.subnet, ipMasq: options.ipMasq, fullyRandom: options.fullyRandom
        )
        return DesiredNode(
            state: NetworkState(vxlan: link, routes: routes, neighbors: neighbors, fdb: fdb, tables: [table]),
            ownLease: own,
            backend: backend,
            subnetEnv: SubnetEnv(
                network: netConf.network, lease: own.subnet,
                mtu: backend == .vxlan ? underlayMTU - 50 : facts.mtu, ipMasq: options.ipMasq
            )
        )
    }

    /// Finds this node's lease. Two leases claiming the same PublicIP or name is an error: the
    /// tool cannot tell which subnet the node's pods live in.
    public static func ownLease(_ leases: [Lease], node: NodeSelector, facts: LinkFacts, source: String?) throws(InputError)
        -> Lease
    {
        let matches: [Lease] = switch node {
        case let .publicIP(ip): leases.filter { $0.publicIP == ip }
        case let .name(name): leases.filter { $0.nodeName == name }
        case .automatic: leases.filter { facts.isLocal($0.publicIP) }
        }
        guard let own = matches.first else {
            let hint = node == .automatic ? "; pass --node-ip or --node" : ""
            throw InputError(.noLeaseForNode, source: source, "no lease for \(node)\(hint)")
        }
        guard matches.count == 1 else {
            throw InputError(
                .duplicateLease, source: source, field: matches.map(\.key).joined(separator: " and "),
                "several leases belong to \(node)"
            )
        }
        return own
    }

    /// Two vxlan leases with one VtepMAC would need two FDB entries with one key: one peer
    /// would silently get the other's traffic.
    public static func checkUniqueVtepMACs(_ leases: [Lease], source: String?) throws(InputError) {
        var seen: [MACAddress: Lease] = [:]
        for lease in leases {
            guard let mac = lease.vtepMAC else { continue }
            if let other = seen[mac] {
                throw InputError(
                    .invalidValue, source: source, field: "\(other.key) and \(lease.key)",
                    "both advertise VtepMAC \(mac)"
                )
            }
            seen[mac] = lease
        }
    }
}
