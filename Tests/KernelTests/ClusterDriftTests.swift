import Foundation
import Testing

/// Issue 4's drift scenario on a converged vxlan cluster: objects deleted by hand on n1, one kind
/// at a time, each cutting real traffic, each planned exactly and repaired by `apply`; a plan
/// saved before the drift is refused as stale each time.
@Suite(.enabled(if: KernelTestEnvironment.isRoot, "needs root for network namespaces"))
struct ClusterDriftTests {
    @Test func driftIsPlannedExactlyRefusesStalePlansAndApplyRestoresTraffic() throws {
        let scenario = try ClusterScenario()
        defer { scenario.shutdown() }
        // What n1 needs from nothing: after `ip link del flannel.1` it needs it all again, but
        // flannel's iptables-mode rules, which the device's deletion does not touch.
        let fromNothing = ClusterScenario.changeLines(try scenario.tool("plan", node: 1).stdout)
        // Device, address, three peers × (fdb, neigh, route), flannel's rules in filter and nat.
        try #require(fromNothing.count == 13, "\(fromNothing)")
        try scenario.convergeOnVxlanFromNothing()

        let savedPlan = scenario.directory.appendingPathComponent("n1.plan").path
        let saved = try scenario.tool("plan", node: 1, ["--out", savedPlan])
        try #require(saved.succeeded, "\(saved.stdout)\(saved.stderr)")

        let n2 = try scenario.cluster.node(2)
        try scenario.driftAndRepair(
            "route", node: 1, [["ip", "route", "del", n2.leaseSubnet]],
            repair: ["+ route 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink"], broken: [2], savedPlan: savedPlan
        )
        try scenario.driftAndRepair(
            "neighbour", node: 1, [["ip", "neigh", "del", n2.leaseGateway, "dev", "flannel.1"]],
            repair: ["+ neigh 10.244.2.0 lladdr 0e:00:00:00:02:01 dev flannel.1 nud permanent"], broken: [2], savedPlan: savedPlan
        )
        try scenario.driftAndRepair(
            "fdb entry", node: 1, [["bridge", "fdb", "del", n2.vtepMAC, "dev", "flannel.1", "dst", n2.publicIP, "self"]],
            repair: ["+ fdb 0e:00:00:00:02:01 dev flannel.1 dst 172.22.0.12 self permanent"], broken: [2], savedPlan: savedPlan
        )
        try scenario.driftAndRepair(
            "flannel.1", node: 1, [["ip", "link", "del", "flannel.1"]],
            repair: fromNothing.filter { !$0.hasPrefix("+ iptables ") }, broken: [2, 3, 4], savedPlan: savedPlan
        )
        // Converged again, the saved plan matches the kernel once more and is no longer stale.
        let current = try scenario.tool("apply", node: 1, ["--plan", savedPlan])
        #expect(current.status == 0, "\(current.stdout)\(current.stderr)")
    }
}
