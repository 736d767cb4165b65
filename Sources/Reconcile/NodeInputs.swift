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
            peers: (allPeers ? cluster.leases.map(\.publicIP) : cluster.peersToLookUp).map(IPAddress.v4)
        )
    }
}

extension ObservedNode {
    /// Flags that describe the underlay (`--iface-mtu`, `--on-link`) refine what was read.
    public mutating func refine(ifaceMTU: UInt32?, onLinkNetworks: [IPv4Prefix]) {
        if let ifaceMTU {
            facts.mtu = ifaceMTU
            facts.mtuSource = "--iface-mtu"
        }
        facts.onLinkNetworks += onLinkNetworks.map(IPPrefix.v4)
    }
}

extension DesiredNode {
    /// `node <PublicIP> (<name>): lease <subnet>, backend <type>`: the node, as outputs and
    /// the agent's log name it.
    public var headline: String {
        "node \(ownLease.publicIP)\(ownLease.nodeName.map { " (\($0))" } ?? ""): lease \(ownLease.subnet), backend \(backend.rawValue)"
    }

    /// The safety contract for this node: the shape of flannel's objects, narrowed to the
    /// lease lengths present, minus everything of the skipped peers.
    public func ownership(_ cluster: ClusterInputs) -> Ownership {
        Ownership(
            cluster: cluster.netConf.network, ownSubnet: ownLease.subnet, vxlanDevice: cluster.netConf.vxlanDeviceName,
            underlay: underlay, subnetLengths: subnetLengths, skipped: SkippedObjects(skipped)
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
