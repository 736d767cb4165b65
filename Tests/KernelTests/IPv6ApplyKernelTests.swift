import Foundation
import NetState
import Netlink
import Observed
import Planner
import Testing

/// The executor and the observer with IPv6 objects on a real kernel: node 1 of
/// `DualStackNodes` with vxlan peers 2 and 3 and an IPv6 host-gw peer 4, in a throwaway
/// namespace (`eth0` with 172.22.0.11/20 and `fd00:22::11/64`).
@Suite(.enabled(if: KernelTestEnvironment.isRoot, "needs root for network namespaces"))
struct IPv6ApplyKernelTests {
    typealias D = DualStackNodes
    static let peers: [IPAddress] = [2, 3, 4].flatMap { [IPAddress.v4(D.p4($0)), .v6(D.p6($0))] }
        + [.v6(IPv6Address(0xfd00, 0x99, 0, 0, 0, 0, 0, 1))]

    func makeNode(_ registry: NamespaceRegistry, tag: String) throws -> String {
        let namespace = RunNames.nextPrefix() + tag
        try NodeNamespace.create(registry, name: namespace, address: "172.22.0.11/20")
        try D.addUnderlayIPv6(namespace: namespace, node: 1)
        return namespace
    }

    @Test func anIPv6DevicePlanObservesBackAsAppliedAndReplansNothing() throws {
        let registry = NamespaceRegistry()
        defer { registry.deleteAll() }
        let namespace = try makeNode(registry, tag: "v6apply")
        let desired = D.desired(node: 1, vxlanPeers: [2, 3], hostGatewayPeers6: [4])
        let ownership = D.ownership(node: 1)

        let before = try D.observe(namespace, peers: Self.peers)
        // The underlay as flannel judges it: its global IPv6 address and connected network,
        // never the fe80:: ones; IPv6 peers on-link by a lookup, one off the network not.
        #expect(before.facts.addresses.contains(InterfaceAddress("fd00:22::11/64")!))
        #expect(!before.facts.addresses.contains { $0.description.hasPrefix("fe80:") }, "\(before.facts.addresses)")
        #expect(before.facts.onLinkNetworks.contains(IPPrefix("fd00:22::/64")!))
        #expect(!before.facts.onLinkNetworks.contains(IPPrefix("fe80::/64")!))
        #expect(before.facts.routeLookups[.v6(D.p6(2))] == true)
        #expect(before.facts.routeLookups[.v6(IPv6Address(0xfd00, 0x99, 0, 0, 0, 0, 0, 1))] == false)
        #expect(before.facts.routeLookups[.v4(D.p4(2))] == true)
        #expect(before.state.vxlan6 == nil)

        let plan = Planner.plan(desired: desired, observed: before.state, ownership: ownership)
        // Two devices with one address each, 4 FDB entries, 4 neighbours, 5 routes.
        #expect(plan.changes.count == 17, "\(plan.changes.map(\.description))")
        let report = try D.apply(plan, in: namespace)
        #expect(report.failure == nil, "\(String(describing: report.failure))")
        #expect(report.isComplete)

        let after = try D.observe(namespace, peers: Self.peers)
        #expect(after.state.vxlan6 == desired.vxlan6, "the device, its one global address, accept_ra 0, txqlen 0")
        #expect(after.state.vxlan == desired.vxlan)
        let owned = ownership.ownedPart(of: after.state)
        #expect(owned.routes == desired.routes, "IPv6 keys carry the kernel's metric 1024")
        #expect(owned.neighbors == desired.neighbors)
        #expect(owned.fdb == desired.fdb)
        let again = Planner.plan(desired: desired, observed: after.state, ownership: ownership)
        #expect(again.isEmpty, "\(again.changes.map(\.description))")

        // The kernel's own IPv6 routes on the device are read as they are, and are not ours.
        let kernelRoutes = after.state.sortedRoutes.filter { $0.device == "flannel-v6.1" && $0.proto == .kernel }.map(\.description)
        // (`fe80::/64` joins them once the kernel has made the link-local address.)
        #expect(kernelRoutes.contains("fd00:10:244:1:: dev flannel-v6.1 proto kernel metric 256"), "\(kernelRoutes)")
        #expect(owned.routes.values.allSatisfy { $0.proto == .boot })

        // iproute2's words.
        let routes6 = try D.ip(namespace, "-6", "route", "show").filter { $0.hasPrefix("fd00:10:244:") && !$0.contains("proto kernel") }
        #expect(Set(routes6) == Set(desired.sortedRoutes.filter { $0.family == .inet6 }.map(\.description)), "\(routes6)")
        #expect(routes6.contains("fd00:10:244:2::/64 via fd00:10:244:2:: dev flannel-v6.1 metric 1024 onlink"))
        #expect(routes6.contains("fd00:10:244:4::/64 via fd00:22::14 dev eth0 metric 1024"))
        let neighbors = try D.ip(namespace, "-6", "neigh", "show", "dev", "flannel-v6.1")
        #expect(neighbors.contains("fd00:10:244:2:: lladdr 0e:4c:8b:10:06:02 PERMANENT"), "\(neighbors)")
        let fdb = try Shell.run(["ip", "netns", "exec", namespace, "bridge", "fdb", "show", "dev", "flannel-v6.1"]).stdout
        #expect(fdb.contains("0e:4c:8b:10:06:03 dst fd00:22::13 self permanent"), "\(fdb)")
        let link = try D.ip(namespace, "-d", "link", "show", "flannel-v6.1").joined(separator: " ")
        #expect(link.contains("vxlan id 1 local fd00:22::11 dev eth0"), "\(link)")
        #expect(link.contains("dstport 8472 nolearning") && link.contains("mtu 1430"))
        let addresses = try D.ip(namespace, "-6", "addr", "show", "dev", "flannel-v6.1")
        #expect(addresses.contains { $0.hasPrefix("inet6 fd00:10:244:1::/128 scope global") }, "\(addresses)")
        #expect(addresses.contains { $0.hasPrefix("inet6 fe80::") }, "the kernel's link-local address is there, unread")
        let acceptRA = try Shell.run(["ip", "netns", "exec", namespace, "cat", "/proc/sys/net/ipv6/conf/flannel-v6.1/accept_ra"])
        #expect(acceptRA.stdout == "0\n")

        // Deleting names every IPv6 object by its kernel key (routes with their metric 1024).
        let delete = D.deletePlan(of: after.state, family: .inet6, ownership: ownership)
        #expect(delete.changes.count == 9)
        let removed = try D.apply(delete, in: namespace)
        #expect(removed.failure == nil, "\(String(describing: removed.failure))")
        #expect(removed.isComplete)
        let gone = try D.observe(namespace, peers: Self.peers)
        #expect(gone.state.vxlan6 == nil)
        let left = ownership.ownedPart(of: gone.state)
        #expect(left.routes.keys.allSatisfy { $0.family == .inet } && left.neighbors.keys.allSatisfy { $0.family == .inet })
        #expect(left.fdb.values.allSatisfy { $0.destination?.family == .inet })
        #expect(gone.state.vxlan == desired.vxlan, "IPv4 untouched")
        #expect(try D.ip(namespace, "-6", "route", "show").filter { $0.hasPrefix("fd00:10:244:") }.isEmpty)
    }

    /// `-o script` of the same plan, run by bash in another node, makes the same kernel state
    /// as the executor: the script's `ip -6`/`bridge` words are runnable.
    @Test func theScriptOfAnIPv6PlanMakesWhatTheExecutorMakes() throws {
        let registry = NamespaceRegistry()
        defer { registry.deleteAll() }
        let byApplier = try makeNode(registry, tag: "v6a")
        let byScript = try makeNode(registry, tag: "v6s")
        let desired = D.desired(node: 1, vxlanPeers: [2, 3], hostGatewayPeers6: [4])
        let ownership = D.ownership(node: 1)
        let plan = Planner.plan(desired: desired, observed: try D.observe(byApplier, peers: []).state, ownership: ownership)

        #expect(try D.apply(plan, in: byApplier).isComplete)
        let script = PlanScript.render(plan)
        #expect(script.contains("ip -6 route replace fd00:10:244:2::/64 via fd00:10:244:2:: dev flannel-v6.1 metric 1024 onlink"))
        try Shell.run(["ip", "netns", "exec", byScript, "bash", "-c", script])

        let applied = try D.observe(byApplier, peers: [])
        let scripted = try D.observe(byScript, peers: [])
        #expect(scripted.state.vxlan6 == applied.state.vxlan6)
        #expect(scripted.state.vxlan == applied.state.vxlan)
        #expect(ownership.ownedPart(of: scripted.state) == ownership.ownedPart(of: applied.state))
        #expect(Planner.plan(desired: desired, observed: scripted.state, ownership: ownership).isEmpty)
    }
}
