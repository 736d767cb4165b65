import Foundation
import Testing

/// Issue 4's namespace cluster under change, with real traffic: DirectRouting turned on, a node
/// leaving, the host-gw preflight, and the rolling vxlan→host-gw switch. Each test builds its own
/// cluster and converges it on vxlan first.
@Suite(.enabled(if: KernelTestEnvironment.isRoot, "needs root for network namespaces"))
struct ClusterMigrationTests {
    /// DirectRouting turned on and applied node by node while all 12 pod pairs (n4's included)
    /// ping every 10 ms: nothing is lost; on-link peers go `via P dev eth0`, n4 stays on vxlan.
    @Test func directRoutingSwitchUnderTrafficLosesNothing() throws {
        let scenario = try ClusterScenario()
        defer { scenario.shutdown() }
        try scenario.convergeOnVxlanFromNothing()
        let results = try scenario.switchToDirectRoutingUnderTraffic()
        print("DirectRouting switch: \(ClusterScenario.summary(results))")

        // Spelled out for n1 (the oracle already checked every node): the two paths side by side.
        #expect(try scenario.peerRoutes(node: 1) == [
            "10.244.2.0/24 via 172.22.0.12 dev eth0",
            "10.244.3.0/24 via 172.22.0.13 dev eth0",
            "10.244.4.0/24 via 10.244.4.0 dev flannel.1 onlink",
        ])
        #expect(try scenario.peerRoutes(node: 4).allSatisfy { $0.hasSuffix("dev flannel.1 onlink") })
    }

    /// While n4 (behind the router) holds a lease, host-gw cannot serve the cluster and `check`
    /// says so, naming n4; once n4 has left, every trace of it is gone from the other nodes and
    /// the same check passes.
    @Test func aLeavingNodeDisappearsAndTheHostGatewayCheckFollows() throws {
        let scenario = try ClusterScenario()
        defer { scenario.shutdown() }
        try scenario.convergeOnVxlanFromNothing()
        let n4 = try scenario.cluster.node(4)

        for index in [1, 2, 3] {
            let blocked = try scenario.checkHostGateway(node: index)
            #expect(blocked.status == 1, "n\(index): \(blocked.stdout)\(blocked.stderr)")
            let problems = blocked.stdout.split(separator: "\n").filter { $0.hasPrefix("problem:") }
            #expect(problems.count == 1, "n\(index): only n4 is off-link: \(blocked.stdout)")
            #expect(problems.first.map { $0.contains(n4.leaseKey) && $0.contains(n4.publicIP) } == true,
                    "n\(index): the problem names n4: \(blocked.stdout)")
        }

        try scenario.leave(4)
        for index in [1, 2, 3] {
            let fine = try scenario.checkHostGateway(node: index)
            #expect(fine.status == 0, "n\(index): \(fine.stdout)\(fine.stderr)")
            #expect(!fine.stdout.contains("problem:"), "n\(index): \(fine.stdout)")
        }
    }

    /// n1, n2, n3 switch to host-gw one at a time (lease first, then apply on every node) while
    /// all 6 pod pairs ping every 10 ms: nothing is lost, and once no lease is vxlan flannel.1 is
    /// gone everywhere and every plan is empty.
    @Test func rollingHostGatewaySwitchUnderTrafficLosesNothing() throws {
        let scenario = try ClusterScenario(members: [1, 2, 3])
        defer { scenario.shutdown() }
        try scenario.convergeOnVxlanFromNothing()
        let results = try scenario.rollingSwitchToHostGatewayUnderTraffic(order: [2, 1, 3])
        print("rolling host-gw switch: \(ClusterScenario.summary(results))")
        for index in [1, 2, 3] {
            #expect(try scenario.peerRoutes(node: index).allSatisfy { $0.hasSuffix("dev eth0") })
        }
    }

    /// The control experiment for the zero-loss tests: the switch done the naive way (n1 alone
    /// applies `--backend host-gw`, dropping flannel.1 while n2 still encapsulates to it) must
    /// be seen losing packets by the same monitors, or a "0 lost" above would prove nothing.
    @Test func breakingBeforeMakingIsSeenLosingPackets() throws {
        let scenario = try ClusterScenario(members: [1, 2, 3])
        defer { scenario.shutdown() }
        try scenario.convergeOnVxlanFromNothing()
        let pings = try scenario.startPings([(1, 2), (2, 1)])
        Thread.sleep(forTimeInterval: 0.2)
        let naive = try scenario.tool("apply", node: 1, ["--backend", "host-gw"])
        #expect(naive.status == 0, "\(naive.stdout)\(naive.stderr)")
        Thread.sleep(forTimeInterval: 0.3)
        let results = try pings.stop()
        print("naive switch (control): \(ClusterScenario.summary(results))")
        for (pair, report) in results {
            #expect(report.lostBeforeStop > 0, "\(pair): \(report.transmitted) sent, none lost, yet n2's replies had no flannel.1 to land on")
        }
    }
}
