import Desired
import Foundation
import NetState
import Netlink
import Observed
import StateJSON
import Planner

/// Everything a command needs about one node: its inputs, what the kernel holds (live or from a
/// snapshot), what it should hold, and the plan between the two. Built the same way by `plan`,
/// `apply`, `check` and `reconcile`, so they can never disagree.
struct NodeContext {
    var cluster: ClusterInputs
    var observed: ObservedNode
    var desired: DesiredNode
    var ownership: Ownership
    var plan: Plan

    /// - Parameter snapshot: a saved observation (`--observed`), or nil to read the live kernel.
    static func make(_ flags: InputOptions, snapshot: String?) throws -> NodeContext {
        let cluster = try ClusterInputs(flags)
        let observed = try observe(cluster, flags, snapshot: snapshot)
        let desired = try DesiredState.compute(
            netConf: cluster.netConf, leases: cluster.leases, rejected: cluster.rejected, node: cluster.selector,
            facts: observed.facts, options: cluster.options, source: cluster.leaseSource
        )
        let ownership = desired.ownership(cluster)
        let plan = Planner.plan(desired: desired.state, observed: observed.state, ownership: ownership)
        return NodeContext(cluster: cluster, observed: observed, desired: desired, ownership: ownership, plan: plan)
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
            node = try LiveKernel.observe(
                vxlanDevice: cluster.netConf.vxlanDeviceName, underlay: flags.iface,
                peers: allPeers ? cluster.leases.map(\.publicIP) : cluster.peersToLookUp
            )
        }
        if let mtu = flags.ifaceMTU {
            node.facts.mtu = mtu
            node.facts.mtuSource = "--iface-mtu"
        }
        node.facts.onLinkNetworks += cluster.onLinkNetworks
        return node
    }

    var headline: String { desired.headline }
}

extension ClusterInputs {
    /// The peers whose on-link answer changes the desired state: those reached by host-gw, and
    /// every vxlan peer when DirectRouting is on. Plain vxlan needs no route lookups, which at
    /// 5,000 peers is a fifth of a converged plan.
    var peersToLookUp: [IPv4Address] {
        let directRouting = netConf.backend.directRouting
        return leases.filter { lease in
            let type = options.backendOverride ?? lease.backendType ?? netConf.backend.type
            return type == .hostGW || directRouting
        }.map(\.publicIP)
    }
}

/// The live kernel, as one observation: rtnetlink objects and flannel's nf_tables table.
enum LiveKernel {
    static func observe(vxlanDevice: String, underlay: String?, peers: [IPv4Address]) throws -> ObservedNode {
        var node = try Observer.observe(vxlanDevice: vxlanDevice, underlay: underlay, peers: peers)
        for table in try NftReader.readTables(family: .ip) where table.key == NftTable.flannelKey {
            node.state.tables[table.key] = table
        }
        return node
    }
}
