import Apply
import CMnl
import Desired
import Foundation
import NetState
import Netlink
import Observed
import Planner
import Testing

/// The nf_tables transactions of a plan name the ruleset generation the plan was made from
/// (`NFNL_BATCH_GENID`): a firewall reload between observation and apply re-creates `ip nat`
/// with handles starting again, and a delete by an observed handle must never take another's
/// rule. The kernel refuses such a batch (`ERESTART`) and nothing of it is applied.
@Suite(.enabled(if: KernelTestEnvironment.isRoot, "needs root for network namespaces"))
struct NftGenerationKernelTests {
    static let cluster = IPv4Prefix(address: IPv4Address(10, 244, 0, 0), length: 16)
    static let lease = IPv4Prefix(address: IPv4Address(10, 244, 1, 0), length: 24)

    func observe(_ namespace: String) throws -> (tables: [NftTable], generation: UInt32) {
        try NetworkNamespace.run(in: namespace) {
            try NftReader.readFlannelState(table: NftTable.flannelKey, chains: LiveKernel.iptablesChains)
        }
    }

    func apply(_ plan: Plan, in namespace: String, generation: UInt32?) throws -> ApplyReport {
        try NetworkNamespace.run(in: namespace) {
            let socket = try NetlinkSocket(protocol: NETLINK_ROUTE)
            defer { socket.close() }
            return Applier().apply(plan, using: socket, tables: KernelNftApplier(), nftGeneration: generation)
        }
    }

    @Test func aRulesetChangedSinceTheObservationIsRefusedWhole() throws {
        let registry = NamespaceRegistry()
        defer { registry.deleteAll() }
        let namespace = try RunNames.unusedPrefix() + "gen"
        try NodeNamespace.create(registry, name: namespace)
        let desired = NetworkState(iptables: [
            FlannelIptablesRules.masquerade(cluster: Self.cluster, lease: Self.lease, fullyRandom: true),
            FlannelIptablesRules.forward(cluster: Self.cluster),
        ])
        let ownership = Ownership(cluster: Self.cluster, ownSubnet: Self.lease, vxlanDevice: "flannel.1", underlay: "eth0", subnetLengths: [24])

        let seen = try observe(namespace)
        let plan = Planner.plan(desired: desired, observed: NetworkState(tables: seen.tables), ownership: ownership)
        #expect(plan.changes.count == 2)
        // Someone commits a transaction in between (here: a table of their own).
        try Shell.run(["ip", "netns", "exec", namespace, "nft", "add", "table", "ip", "someone-else"])

        let refused = try apply(plan, in: namespace, generation: seen.generation)
        let failure = try #require(refused.failure)
        #expect(failure.error.code == .restart, "\(failure.error)")
        #expect(failure.error.description.contains("the nf_tables ruleset changed since it was read"), "\(failure.error)")
        #expect(refused.applied.isEmpty)
        let untouched = try Shell.run(["ip", "netns", "exec", namespace, "iptables-nft", "-t", "nat", "-S"]).stdout
        #expect(!untouched.contains("FLANNEL"), "nothing of the refused transaction is there: \(untouched)")

        // Planned again from a fresh observation, the same changes go through: both
        // transactions, the second naming the generation the first one made.
        let fresh = try observe(namespace)
        let again = Planner.plan(desired: desired, observed: NetworkState(tables: fresh.tables), ownership: ownership)
        let applied = try apply(again, in: namespace, generation: fresh.generation)
        #expect(applied.failure == nil, "\(String(describing: applied.failure))")
        #expect(applied.applied.count == 2)
        let after = try observe(namespace)
        #expect(after.generation == fresh.generation &+ 2)
        #expect(Planner.plan(desired: desired, observed: NetworkState(tables: after.tables), ownership: ownership).isEmpty)
    }
}
