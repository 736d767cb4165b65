import Desired
import Foundation
import NetState
import Netlink
import Observed
import StateJSON
import Planner
import Reconcile

/// What a one-shot command needs about one node: what it should hold and the plan to get there
/// from what the kernel holds (live or from a snapshot). The steps are the agent's too
/// (`ClusterInputs.desired(for:)`, `DesiredNode.ownership`), so the two can never disagree.
struct NodeContext {
    var desired: DesiredNode
    var plan: Plan
    /// Where each input came from (`ClusterInputs.sources`), for the outputs' headers.
    var sources: [String]
    /// The nf_tables generation the plan was made from (live observations only): `apply`'s
    /// transactions name it, so a ruleset changed since is refused, never half-trusted.
    var nftGeneration: UInt32?

    /// - Parameter snapshot: a saved observation (`--observed`), or nil to read the live kernel.
    static func make(_ flags: InputOptions, snapshot: String?) throws -> NodeContext {
        var cluster = try ClusterInputs(flags)
        let observed = try observe(cluster, flags, snapshot: snapshot)
        let iptables = IptablesNames.tables.contains { key in
            observed.state.tables[key].map { !Ownership.iptablesListing(of: $0).rules.isEmpty } ?? false
        }
        if let line = cluster.settleMasqueradeMode(
            flannelTable: NftTable.flannelKeys.contains { observed.state.tables[$0] != nil }, iptablesRules: iptables
        ) {
            cluster.sources.append(line)
        }
        let desired = try cluster.desired(for: observed)
        let plan = Planner.plan(desired: desired.state, observed: observed.state, ownership: desired.ownership(cluster))
        return NodeContext(desired: desired, plan: plan, sources: cluster.sources, nftGeneration: observed.nftGeneration)
    }

    /// Reads the node, from a snapshot or the live kernel. Flags that describe the underlay
    /// (`--iface-mtu`, `--on-link`) refine what was read.
    /// - Parameter allPeers: look every peer up (a snapshot must serve any later `--backend`),
    ///   not only those the current inputs need.
    static func observe(_ cluster: ClusterInputs, _ flags: InputOptions, snapshot: String?, allPeers: Bool = false)
        throws -> ObservedNode
    {
        var node: ObservedNode
        if let snapshot {
            node = try Snapshot.load(path: snapshot).node
            node.facts.mtuSource = "snapshot \(snapshot) (facts.mtu)"
            if let iface = flags.iface { node.facts.underlay = iface }
        } else {
            node = try LiveKernel.observe(ObservationScope(cluster, underlay: flags.iface, allPeers: allPeers))
        }
        node.refine(ifaceMTU: flags.ifaceMTU, onLinkNetworks: cluster.onLinkNetworks)
        return node
    }

    var headline: String { desired.headline }
}
