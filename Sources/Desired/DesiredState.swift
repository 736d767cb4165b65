import NetState

/// What this node's kernel should hold, with what it was computed for.
public struct DesiredNode: Hashable, Sendable {
    public var state: NetworkState
    public var ownLease: Lease
    /// The backend this node runs after overrides: it decides the device MAC and DirectRouting.
    public var backend: BackendType
    /// Peers left out, each with why and in which family; their objects of that family in the
    /// kernel are to be left as they are.
    public var skipped: [SkippedPeer]
    /// The underlay interface the state was computed for.
    public var underlay: String
    /// The families programmed (`EnableIPv4`, `EnableIPv6`), IPv4 first.
    public var families: [AddressFamily]
    /// The prefix lengths IPv4 leases have here (`SubnetLen` and those present), for ownership.
    public var subnetLengths: [UInt8]
    /// The same for IPv6 leases (`IPv6SubnetLen` and those present).
    public var subnetLengths6: [UInt8]
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
    /// - Each enabled family is computed the same way over the leases' halves of it: IPv6 on
    ///   `flannel-v6.<VNI>` with `PublicIPv6` and `BackendV6Data.VtepMAC`, its routes at the
    ///   metric the kernel gives IPv6 routes (1024), as flannel's per-family code in v0.20.2
    ///   `backend/vxlan/vxlan_network.go:91–170` and `backend/hostgw` does.
    /// - A family's vxlan device exists while this node or any peer is vxlan in it, and while
    ///   any lease itself (before `--backend`) still advertises vxlan: peers that have not
    ///   switched yet still encapsulate to us, whatever this node was told to plan.
    /// - A problem confined to one peer skips that peer in that family (`DesiredNode.skipped`);
    ///   a problem with this node's own lease or the network refuses everything.
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
        let families = netConf.families
        for family in families {
            try OwnLeaseCheck.check(
                own, family: family, netConf: netConf, facts: facts, backend: backend, override: options.backendOverride,
                source: source
            )
        }
        let underlayMTU = try Self.underlayMTU(netConf: netConf, facts: facts)
        var state = NetworkState()
        var skipped: [SkippedPeer] = []
        var lengths: [AddressFamily: [UInt8]] = [:]
        for family in families {
            let screening = PeerScreening(
                leases: leases, rejected: rejected, own: ownIndex, family: family, netConf: netConf, facts: facts,
                type: type(of:), source: source
            )
            let peers = Self.peerTables(
                leases: leases, own: ownIndex, family: family, skipped: screening.skipReasons, backend: backend,
                netConf: netConf, facts: facts, type: type(of:)
            )
            state.routes.merge(peers.routes) { first, _ in first }
            state.neighbors.merge(peers.neighbors) { first, _ in first }
            state.fdb.merge(peers.fdb) { first, _ in first }
            skipped += screening.skipped
            // A lease that still advertises vxlan, this node's included, means vxlan traffic
            // may still arrive here, whatever `--backend` plans for the peers.
            let needsDevice = backend == .vxlan
                || leases.contains { $0.half(family) != nil && netConf.backendType(of: $0) == .vxlan }
            if needsDevice, let half = own.half(family) {
                let link = Self.device(family: family, own: half, netConf: netConf, facts: facts, underlayMTU: underlayMTU)
                if family == .inet { state.vxlan = link } else { state.vxlan6 = link }
            }
            // Only leases that passed widen what can be ours: a skipped lease of another length
            // must not make routes of that length ownable.
            var familyLengths: Set<UInt8> = [netConf.leaseLength(family)]
            for index in leases.indices where screening.skipReasons[index] == nil {
                if let half = leases[index].half(family) { familyLengths.insert(half.subnet.length) }
            }
            lengths[family] = familyLengths.sorted()
        }
        Self.addMasquerade(to: &state, netConf: netConf, own: own, options: options)
        return DesiredNode(
            state: state,
            ownLease: own,
            backend: backend,
            skipped: skipped.sorted { ($0.key, $0.family, $0.message) < ($1.key, $1.family, $1.message) },
            underlay: facts.underlay,
            families: families,
            subnetLengths: lengths[.inet] ?? [],
            subnetLengths6: lengths[.inet6] ?? [],
            subnetEnv: SubnetEnv(
                network: families.contains(.inet) ? netConf.network : nil, lease: own.subnet,
                ipv6Network: families.contains(.inet6) ? netConf.ipv6Network : nil, ipv6Lease: own.subnet6,
                mtu: backend == .vxlan ? underlayMTU - 50 : facts.mtu, ipMasq: options.ipMasq
            )
        )
    }

    /// A family's vxlan device: `flannel.<VNI>` with the lease's first address as `/32`, or
    /// `flannel-v6.<VNI>` with `S6::/128` (v0.20.2 `backend/vxlan/vxlan.go:191–200`). The IPv6
    /// device's MTU is what the kernel gives it: the vxlan driver caps a device over IPv6 at the
    /// underlay's MTU minus 70 (its IPv6 headers), whatever is asked, so that is planned.
    static func device(
        family: AddressFamily, own half: LeaseHalf, netConf: NetConf, facts: LinkFacts, underlayMTU: UInt32
    ) -> VxlanLink {
        let ipv4MTU = underlayMTU - 50
        return VxlanLink(
            name: netConf.vxlanDeviceName(family), vni: netConf.backend.vni, local: half.publicIP, underlay: facts.underlay,
            port: netConf.backend.port == 0 ? VxlanLink.defaultPort : netConf.backend.port,
            gbp: netConf.backend.gbp,
            mtu: family == .inet ? ipv4MTU : min(ipv4MTU, facts.mtu > 70 ? facts.mtu - 70 : ipv4MTU),
            // Peers' neighbour entries point at this MAC: it stays while the device does.
            mac: half.vtepMAC,
            addresses: [InterfaceAddress(address: half.subnet.address, length: half.subnet.family.bitWidth)],
            // As flanneld's device is (measured): no queue, no router advertisements.
            txQueueLength: VxlanLink.flannelTxQueueLength, acceptRA: VxlanLink.flannelAcceptRA
        )
    }

    /// flannel's MASQUERADE and forward rules of every family the node runs: the nf_tables
    /// tables, or its iptables-mode rules (`MasqueradeRules`).
    static func addMasquerade(to state: inout NetworkState, netConf: NetConf, own: Lease, options: DesiredOptions) {
        let families = netConf.families
        if families.contains(.inet), let network = netConf.network, let lease = own.subnet {
            MasqueradeRules.add(
                to: &state, cluster: network, lease: lease, nfTables: netConf.enableNFTables, ipMasq: options.ipMasq,
                fullyRandom: options.fullyRandom, forwardRules: options.forwardRules
            )
        }
        if families.contains(.inet6), let network = netConf.ipv6Network, let lease = own.subnet6 {
            MasqueradeRules.add(
                to: &state, cluster: network, lease: lease, nfTables: netConf.enableNFTables, ipMasq: options.ipMasq,
                fullyRandom: options.fullyRandom, forwardRules: options.forwardRules
            )
        }
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
        func matches(publicIP: IPv4Address?, publicIPv6: IPv6Address?, nodeName: String?) -> Bool {
            switch node {
            case let .publicIP(.v4(ip)): publicIP == ip
            case let .publicIP(.v6(ip)): publicIPv6 == ip
            case let .name(name): nodeName == name
            case .automatic: (publicIP.map(facts.isLocal) ?? false) || (publicIPv6.map { facts.isLocal(.v6($0)) } ?? false)
            }
        }
        func matches(_ lease: Lease) -> Bool {
            matches(publicIP: lease.publicIP, publicIPv6: lease.publicIPv6, nodeName: lease.nodeName)
        }
        guard let own = leases.firstIndex(where: matches) else {
            let broken = rejected.first { matches(publicIP: $0.publicIP, publicIPv6: $0.publicIPv6, nodeName: $0.nodeName) }
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
