import Desired
import NetState
import Planner

/// Everything a benchmark needs besides the step it measures, computed once per size in the
/// benchmark's setup so the measurement holds only that step.
struct PreparedNode: Sendable {
    let cluster: SyntheticCluster
    let netConf: NetConf
    let leases: [Lease]
    let facts: LinkFacts
    let ownership: Ownership
    let vxlan: DesiredNode
    let hostGW: DesiredNode
    /// A second, separately computed copy of the vxlan state: a converged node's observed state
    /// shares no storage with the desired one, so no comparison short-cuts on identical buffers.
    let observedVxlan: NetworkState
    /// The plan `desired -o script` renders: everything, from an empty node.
    let fromEmpty: Plan
    /// The plan of a node switching from vxlan to host-gw.
    let toHostGW: Plan
    /// What the agent keeps to plan a lease delta peer by peer.
    let incremental: IncrementalPeers

    static let node = NodeSelector.publicIP(IPv4Address(172, 16, 0, 1))
    static let hostGW = DesiredOptions(backendOverride: .hostGW)

    init(count: Int) throws {
        cluster = SyntheticCluster(count: count)
        netConf = try NetConfReader.parse(cluster.netConf, source: "net-conf.json")
        leases = try LeaseReader.parse(cluster.keyedObject, source: "leases.json")
        guard leases.count == count else { throw SetupFailure("\(leases.count) leases parsed, \(count) generated") }
        facts = LinkFacts(
            underlay: "eth0", mtu: 1500,
            addresses: [InterfaceAddress(address: IPv4Address(172, 16, 0, 1), length: 12)],
            onLinkNetworks: [.v4(IPv4Prefix(address: IPv4Address(172, 16, 0, 0), length: 12))]
        )
        vxlan = try DesiredState.compute(netConf: netConf, leases: leases, node: Self.node, facts: facts)
        hostGW = try DesiredState.compute(
            netConf: netConf, leases: leases, node: Self.node, facts: facts, options: Self.hostGW)
        observedVxlan = try DesiredState.compute(netConf: netConf, leases: leases, node: Self.node, facts: facts).state
        // The cluster is IPv4 (SyntheticCluster): its Network is there.
        guard let network = netConf.network else { throw SetupFailure("the net-conf has no IPv4 Network") }
        ownership = Ownership(
            cluster: network, ownSubnet: vxlan.ownLease.subnet, vxlanDevice: netConf.vxlanDeviceName,
            underlay: vxlan.underlay, subnetLengths: vxlan.subnetLengths
        )
        incremental = IncrementalPeers(
            netConf: netConf, leases: leases, rejected: [], node: Self.node, facts: facts, options: DesiredOptions(), desired: vxlan
        )
        fromEmpty = Planner.plan(desired: vxlan.state, observed: NetworkState(), ownership: ownership)
        toHostGW = Planner.plan(desired: hostGW.state, observed: observedVxlan, ownership: ownership)
        // Sanity: a benchmark of the wrong work is worse than none.
        let converged = Planner.plan(desired: vxlan.state, observed: observedVxlan, ownership: ownership)
        guard converged.isEmpty else { throw SetupFailure("converged plan has \(converged.changes.count) changes: \(converged.changes)") }
        guard vxlan.state.routes.count == count - 1, fromEmpty.changes.count >= 3 * (count - 1) else {
            throw SetupFailure("\(vxlan.state.routes.count) routes, \(fromEmpty.changes.count) changes from empty")
        }
        guard toHostGW.changes.count >= count - 1 else { throw SetupFailure("\(toHostGW.changes.count) changes to host-gw") }
    }
}

struct SetupFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = "benchmark setup: \(description)" }
}
