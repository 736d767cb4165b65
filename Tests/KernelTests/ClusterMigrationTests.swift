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

    /// The control experiment for the zero-loss tests: the switch done the naive way, by hand on
    /// n1 alone (`ip link del flannel.1`, then `ip route replace` of the host-gw routes, as a
    /// script written from flannel's docs would), must be seen losing packets by the same
    /// monitors, or a "0 lost" elsewhere would prove nothing. n2 still encapsulates its replies
    /// to n1, and n1 has no flannel.1 left to decapsulate them.
    @Test func breakingBeforeMakingIsSeenLosingPackets() throws {
        let scenario = try ClusterScenario(members: [1, 2, 3])
        defer { scenario.shutdown() }
        try scenario.convergeOnVxlanFromNothing()
        let pings = try scenario.startPings([(1, 2), (2, 1)])
        Thread.sleep(forTimeInterval: 0.2)
        try scenario.cluster.exec(node: 1, ["ip", "link", "del", "flannel.1"])
        for peer in [2, 3] {
            let node = try scenario.cluster.node(peer)
            try scenario.cluster.exec(node: 1, ["ip", "route", "replace", node.leaseSubnet, "via", node.publicIP, "dev", "eth0"])
        }
        Thread.sleep(forTimeInterval: 0.3)
        let results = try pings.stop()
        print("naive switch by hand (control): \(ClusterScenario.summary(results))")
        #expect(try scenario.peerRoutes(node: 1) == [try scenario.directRoute(to: 2), try scenario.directRoute(to: 3)],
                "the naive switch did what it says")
        for (pair, report) in results {
            #expect(report.lostBeforeStop > 0, "\(pair): \(report.transmitted) sent, none lost, yet n2's replies had no flannel.1 to land on")
        }
    }

    /// `apply --backend host-gw` run node by node (n2, n1, n3) on a vxlan cluster whose leases
    /// still say vxlan, while all 6 pod pairs ping every 10 ms: nothing is lost, every peer
    /// route goes `via P dev eth0`, and flannel.1 stays on every node because the leases still
    /// advertise vxlan (peers that have not switched yet encapsulate to it). Then the leases
    /// switch to host-gw one at a time, each followed by the same apply on every node: flannel.1
    /// stays until the last vxlan lease is gone, then is removed everywhere, still with nothing
    /// lost.
    @Test func nodeByNodeApplyBackendHostGWLosesNothing() throws {
        let scenario = try ClusterScenario(members: [1, 2, 3])
        defer { scenario.shutdown() }
        try scenario.convergeOnVxlanFromNothing()
        let hostGW = ["--backend", "host-gw"]
        let order = [2, 1, 3]

        func expectAllDirect(_ step: String, device: Bool) throws {
            for index in scenario.members {
                let peers = scenario.members.filter { $0 != index }
                #expect(try scenario.peerRoutes(node: index) == peers.map(scenario.directRoute), "\(step): n\(index)")
                #expect(try scenario.hasVxlanDevice(node: index) == device,
                        "\(step): n\(index) flannel.1 should \(device ? "still exist (a lease is vxlan)" : "be gone (no lease is vxlan)")")
            }
        }

        // 1. The flag alone, node by node; no lease changes.
        let flagPings = try scenario.startPings(ClusterScenario.pairs(among: scenario.members))
        let start = Date()
        Thread.sleep(forTimeInterval: 0.2)
        for index in order {
            try scenario.apply(on: [index], hostGW)
            Thread.sleep(forTimeInterval: 0.2)
        }
        let flagResults = try flagPings.stop()
        print("apply --backend host-gw node by node (\(String(format: "%.2f", Date().timeIntervalSince(start))) s): "
              + ClusterScenario.summary(flagResults))
        ClusterScenario.expectNoLoss("apply --backend host-gw node by node", flagResults)
        try expectAllDirect("after apply --backend host-gw on every node", device: true)
        for index in scenario.members {
            // The peers are planned host-gw, so their vxlan neighbours and FDB entries go.
            #expect(try scenario.vxlanNeighbors(node: index).isEmpty, "n\(index)")
            #expect(try scenario.vxlanFdb(node: index).isEmpty, "n\(index)")
            let again = try scenario.tool("plan", node: index, hostGW + ["--detailed-exitcode"])
            #expect(again.status == 0, "n\(index): \(again.stdout)\(again.stderr)")
        }
        #expect(try scenario.unreachablePodPairs(among: scenario.members).isEmpty)

        // 2. The leases follow, one at a time; flannel.1 goes with the last vxlan lease.
        let leasePings = try scenario.startPings(ClusterScenario.pairs(among: scenario.members))
        for (step, switching) in order.enumerated() {
            try scenario.setLease(switching, .hostGateway)
            // Still with the flag: without it a node whose own lease is vxlan would plan its
            // vxlan peers back onto flannel.1.
            try scenario.apply(on: scenario.members, hostGW)
            let last = step == order.count - 1
            try expectAllDirect("after n\(switching)'s lease went host-gw", device: !last)
            Thread.sleep(forTimeInterval: 0.1)
        }
        let leaseResults = try leasePings.stop()
        print("leases to host-gw one by one: \(ClusterScenario.summary(leaseResults))")
        ClusterScenario.expectNoLoss("leases to host-gw one by one", leaseResults)
        try scenario.expectFlannelState("after every lease went host-gw")
        try scenario.expectConvergedAndConnected("after every lease went host-gw")
    }
}
