import Desired
import NetState
import Observed
import Planner

// How a node's inputs become what the observer reads and what the plan may change. The
// one-shot commands (`plan`, `apply`, `check`, `desired`) use these too, so they and the agent
// can never disagree; this is the lowest target that sees both the inputs (`Desired`) and the
// observer and ownership (`Observed`, `Planner`).

extension ObservationScope {
    /// What to read for a node with these inputs.
    /// - Parameter allPeers: look every peer up (a snapshot must serve any later `--backend`),
    ///   not only those the current inputs need.
    public init(_ cluster: ClusterInputs, underlay: String?, allPeers: Bool = false) {
        self.init(
            vxlanDevice: cluster.netConf.vxlanDeviceName, underlay: underlay,
            // Both families: the kernel answers IPv6 lookups in the same batch.
            peers: allPeers ? cluster.leases.flatMap(\.publicAddresses) : cluster.peersToLookUp
        )
    }
}

extension ObservedNode {
    /// Flags that describe the underlay (`--iface-mtu`, `--on-link`) refine what was read.
    public mutating func refine(ifaceMTU: UInt32?, onLinkNetworks: [IPPrefix]) {
        if let ifaceMTU {
            facts.mtu = ifaceMTU
            facts.mtuSource = "--iface-mtu"
        }
        facts.onLinkNetworks += onLinkNetworks
    }
}

extension DesiredNode {
    /// `node <PublicIP> (<name>): lease <subnet>, backend <type>`: the node, as outputs and
    /// the agent's log name it.
    /// `node 172.22.0.11 fd00::11 (n1): lease 10.244.1.0/24 fd00:10:244:1::/64, backend vxlan`:
    /// the node's public addresses and leases of the families it runs.
    public var headline: String {
        let addresses = families.compactMap { family in
            family == .inet ? ownLease.publicIP?.description : ownLease.publicIPv6?.description
        }
        let leases = families.compactMap { family in
            family == .inet ? ownLease.subnet?.description : ownLease.subnet6?.description
        }
        let name = ownLease.nodeName.map { " (\($0))" } ?? ""
        return "node \(addresses.joined(separator: " "))\(name): lease \(leases.joined(separator: " ")), backend \(backend.rawValue)"
    }

    /// The safety contract for this node: the shape of flannel's objects per family it runs,
    /// narrowed to the lease lengths present, minus everything of the skipped peers.
    public func ownership(_ cluster: ClusterInputs) -> Ownership {
        let netConf = cluster.netConf
        func part(_ family: AddressFamily, _ lengths: [UInt8]) -> Ownership.Family? {
            guard families.contains(family), let network = netConf.network(family) else { return nil }
            return Ownership.Family(cluster: network, ownSubnet: ownLease.half(family)?.subnet, subnetLengths: lengths)
        }
        return Ownership(
            ipv4: part(.inet, subnetLengths), ipv6: part(.inet6, subnetLengths6), vxlanDevice: netConf.vxlanDeviceName,
            vxlan6Device: netConf.vxlan6DeviceName, underlay: underlay, skipped: SkippedObjects(skipped)
        )
    }
}

extension ClusterInputs {
    /// What this node's kernel should hold, given what was observed of its underlay.
    public func desired(for observed: ObservedNode) throws(InputError) -> DesiredNode {
        try DesiredState.compute(
            netConf: netConf, leases: leases, rejected: rejected, node: selector, facts: observed.facts,
            options: options, source: leaseSource
        )
    }
}
