import Foundation
import Testing

/// Issue 4's whole story on one cluster, in the order an operator lives it, on nodes that also
/// hold foreign state: vxlan from nothing, DirectRouting, the host-gw preflight, n4 leaving, the
/// rolling host-gw switch, and drift of a host-gw route. Afterwards every foreign object is
/// byte-identical to what it was before.
@Suite(.enabled(if: KernelTestEnvironment.isRoot, "needs root for network namespaces"))
struct ClusterStoryTests {
    @Test func theWholeStoryLosesNoPacketAndLeavesForeignStateByteIdentical() throws {
        let scenario = try ClusterScenario()
        defer { scenario.shutdown() }
        let nodes = [1, 2, 3, 4]
        for index in nodes { try scenario.addForeignState(node: index) }
        let before = try nodes.map(scenario.foreignListing)
        for (index, listing) in zip(nodes, before) {
            for witness in ["192.168.77.0/24 via 172.2", "blackhole 10.244.200.0/24", "lladdr 52:54:00:00:00:77 PERMANENT",
                            "ip saddr 10.99.0.0/16 masquerade"] {
                #expect(listing.contains(witness), "n\(index)'s foreign listing lacks \(witness):\n\(listing)")
            }
        }

        try scenario.convergeOnVxlanFromNothing()
        let directRouting = try scenario.switchToDirectRoutingUnderTraffic()
        print("story, DirectRouting switch: \(ClusterScenario.summary(directRouting))")

        let blocked = try scenario.checkHostGateway(node: 1)
        #expect(blocked.status == 1 && blocked.stdout.contains("172.23.0.14"), "\(blocked.stdout)\(blocked.stderr)")
        try scenario.leave(4)
        let fine = try scenario.checkHostGateway(node: 1)
        #expect(fine.status == 0, "\(fine.stdout)\(fine.stderr)")

        let rolling = try scenario.rollingSwitchToHostGatewayUnderTraffic(order: [1, 2, 3])
        print("story, rolling host-gw switch: \(ClusterScenario.summary(rolling))")

        let savedPlan = scenario.directory.appendingPathComponent("n2.plan").path
        try #require(try scenario.tool("plan", node: 2, ["--out", savedPlan]).succeeded)
        try scenario.driftAndRepair(
            "host-gw route", node: 2, [["ip", "route", "del", "10.244.3.0/24"]],
            repair: ["+ route 10.244.3.0/24 via 172.22.0.13 dev eth0"], broken: [3], savedPlan: savedPlan
        )

        let after = try nodes.map(scenario.foreignListing)
        for (index, (old, new)) in zip(nodes, zip(before, after)) {
            #expect(old == new, "n\(index)'s foreign state changed:\n\(ClusterScenario.difference(old, new))")
        }
    }
}
