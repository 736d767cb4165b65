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
            netConf.backendType(of: lease, override: options.backendOverride)
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
        let underlayMTU = try Self.underlayMTU(netConf: netConf, facts: facts)
        let peers = Self.peerTables(
            leases: leases, own: ownIndex, skipped: screening.skipReasons, backend: backend, netConf: netConf,
            facts: facts, type: type(of:)
        )
        // A lease that still advertises vxlan, this node's included, means vxlan traffic may
        // still arrive here, whatever `--backend` plans for the peers.
        let needsDevice = backend == .vxlan || leases.contains { netConf.backendType(of: $0) == .vxlan }

        let link: VxlanLink? = needsDevice
            ? VxlanLink(
                name: device, vni: netConf.backend.vni, local: .v4(own.publicIP), underlay: facts.underlay,
                port: netConf.backend.port == 0 ? VxlanLink.defaultPort : netConf.backend.port,
                gbp: netConf.backend.gbp, mtu: underlayMTU - 50,
                // Peers' neighbour entries point at this MAC: it stays while the device does.
                mac: own.vtepMAC,
                addresses: [InterfaceAddress(address: own.subnet.address, length: 32)],
                // As flanneld's device is (measured): no queue, no router advertisements.
                txQueueLength: VxlanLink.flannelTxQueueLength, acceptRA: VxlanLink.flannelAcceptRA
            )
            : nil
        var state = NetworkState(vxlan: link)
        if netConf.enableNFTables {
            let table = MasqueradeTable.table(
                cluster: netConf.network, lease: own.subnet, ipMasq: options.ipMasq, fullyRandom: options.fullyRandom,
                forwardRules: options.forwardRules
            )
            if let table { state.tables[table.key] = table }
        } else {
            if options.ipMasq {
                let rules = FlannelIptablesRules.masquerade(cluster: netConf.network, lease: own.subnet, fullyRandom: options.fullyRandom)
                state.iptables[rules.table] = rules
            }
            if options.forwardRules {
                let rules = FlannelIptablesRules.forward(cluster: netConf.network)
                state.iptables[rules.table] = rules
            }
        }
        state.routes = peers.routes
        state.neighbors = peers.neighbors
        state.fdb = peers.fdb
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
        _ leases: [Lease], rejected: [RejectedLease], node: NodeSelector, facts: LinkFacts, source: String?
    ) throws(InputError) -> Int {
        func matches(publicIP: IPv4Address?, nodeName: String?) -> Bool {
            switch node {
            case let .publicIP(ip): publicIP == ip
            case let .name(name): nodeName == name
            case .automatic: publicIP.map(facts.isLocal) ?? false
            }
        }
        func matches(_ lease: Lease) -> Bool { matches(publicIP: lease.publicIP, nodeName: lease.nodeName) }
        guard let own = leases.firstIndex(where: matches) else {
            let broken = rejected.first { matches(publicIP: $0.publicIP, nodeName: $0.nodeName) }
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
}
