import Foundation
import Testing

/// Issue 14's dual-stack cluster: the namespace cluster with an IPv6 underlay and pods of both
/// families, `EnableIPv6`, `&` lease keys. The kernel is the judge: `ping` and `ping -6` between
/// pods, and `ip -6 route`, `ip -6 neigh` and `bridge fdb` as flanneld leaves them (v0.20.2
/// `backend/vxlan/vxlan_network.go:141–235`: `route S6 via S6:: dev flannel-v6.1 onlink`,
/// `neigh S6:: lladdr M6 permanent`, `fdb M6 dst P6 self permanent`; `S6 via P6` for host-gw
/// and on-link DirectRouting peers).
@Suite(.enabled(if: KernelTestEnvironment.isRoot, "needs root for network namespaces"))
struct ClusterDualStackTests {
    /// Ordered pod pairs among `nodes` whose pods cannot ping each other over IPv6.
    static func unreachableIPv6(_ scenario: ClusterScenario, among nodes: [Int]) throws -> [String] {
        try ClusterScenario.pairs(among: nodes).compactMap { from, to in
            let destination = try scenario.cluster.node(to).podIPv6
            return try NamespaceCluster.canPing(
                namespace: scenario.cluster.node(from).podNamespace, destination: destination, count: 3, timeout: 1
            ) ? nil : "n\(from)→n\(to) (IPv6)"
        }
    }

    /// The IPv6 objects flanneld programs on node `index` for its peers, as iproute2 prints them.
    static func expectedIPv6(_ scenario: ClusterScenario, node index: Int, vxlanPeers: [Int], directPeers: [Int]) throws
        -> (routes: [String], neighbors: [String], fdb: [String])
    {
        var routes: [String] = [], neighbors: [String] = [], fdb: [String] = []
        for peer in (vxlanPeers + directPeers).sorted() {
            let node = try scenario.cluster.node(peer)
            if vxlanPeers.contains(peer) {
                routes.append("\(node.leaseSubnet6) via \(node.leaseGateway6) dev flannel-v6.1 metric 1024 onlink pref medium")
                neighbors.append("\(node.leaseGateway6) lladdr \(node.vtepMAC6) PERMANENT")
                fdb.append("\(node.vtepMAC6) dst \(node.publicIPv6) self permanent")
            } else {
                routes.append("\(node.leaseSubnet6) via \(node.publicIPv6) dev eth0 metric 1024 pref medium")
            }
        }
        return (routes, neighbors, fdb)
    }

    /// The node's IPv6 routes into the cluster, its permanent IPv6 neighbours on flannel-v6.1 and
    /// that device's FDB entries, as `ip -6` and `bridge` print them.
    static func observedIPv6(_ scenario: ClusterScenario, node index: Int) throws -> (routes: [String], neighbors: [String], fdb: [String]) {
        let cluster = scenario.cluster
        let routes = try cluster.ip(node: index, ["-6", "route", "show", "root", "fd00:10:244::/56"]).stdout
            .split(separator: "\n").map(String.init).filter { !$0.contains("proto kernel") && !$0.hasPrefix("fd00:10:244:\(index)::") }
        let hasDevice = try cluster.ip(node: index, ["link", "show", "flannel-v6.1"], check: false).status == 0
        let neighbors = hasDevice
            ? try cluster.ip(node: index, ["-6", "neigh", "show", "dev", "flannel-v6.1", "nud", "permanent"]).stdout
                .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            : []
        let fdb = hasDevice
            ? try cluster.exec(node: index, ["bridge", "fdb", "show", "dev", "flannel-v6.1"]).stdout
                .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.contains(" dst ") }
            : []
        return (routes.sorted(), neighbors.sorted(), fdb.sorted())
    }

    @Test func fromNothingBothFamiliesConnectAndMatchFlannel() throws {
        let scenario = try ClusterScenario(dualStack: true)
        defer { scenario.shutdown() }
        #expect(try Self.unreachableIPv6(scenario, among: [1, 2]).count == 2, "no IPv6 pod route before any apply")
        try scenario.convergeOnVxlanFromNothing()
        let unreachable = try Self.unreachableIPv6(scenario, among: scenario.members)
        #expect(unreachable.isEmpty, "IPv6 pods that cannot reach each other: \(unreachable)")
        for index in scenario.members {
            let paths = try scenario.expectedPaths(node: index)
            let want = try Self.expectedIPv6(scenario, node: index, vxlanPeers: paths.vxlan, directPeers: paths.direct)
            let have = try Self.observedIPv6(scenario, node: index)
            #expect(have.routes == want.routes.sorted(), "n\(index) IPv6 routes")
            #expect(have.neighbors == want.neighbors.sorted(), "n\(index) IPv6 neighbours")
            #expect(have.fdb == want.fdb.sorted(), "n\(index) IPv6 FDB")
            let device = try scenario.cluster.ip(node: index, ["-d", "link", "show", "flannel-v6.1"]).stdout
            let node = try scenario.cluster.node(index)
            #expect(device.contains("mtu 1430"), "n\(index): the kernel caps an IPv6 vxlan device at 1500 - 70: \(device)")
            #expect(device.contains("vxlan id 1 local \(node.publicIPv6) dev eth0"), "n\(index): \(device)")
            let address = try scenario.cluster.ip(node: index, ["-6", "addr", "show", "dev", "flannel-v6.1", "scope", "global"]).stdout
            #expect(address.contains("inet6 \(node.leaseGateway6)/128"), "n\(index): \(address)")
            let env = try scenario.tool("desired", node: index, ["-o", "subnet-env", "--iface", "eth0"])
            #expect(env.stdout.contains("FLANNEL_IPV6_SUBNET=fd00:10:244:\(index)::1/64"), "n\(index): \(env.stdout)\(env.stderr)")
        }
    }

    @Test func rollingHostGatewaySwitchLosesNoPacketInEitherFamily() throws {
        let scenario = try ClusterScenario(members: [1, 2, 3], dualStack: true)
        defer { scenario.shutdown() }
        try scenario.convergeOnVxlanFromNothing()
        var monitors: [(String, PingMonitor)] = []
        for (from, to) in ClusterScenario.pairs(among: scenario.members) {
            monitors.append(("n\(from)→n\(to)", try scenario.cluster.startPing(fromPod: from, toPod: to)))
            let destination = try scenario.cluster.node(to).podIPv6
            monitors.append(("n\(from)→n\(to) IPv6", try scenario.cluster.startPing(fromPod: from, to: destination)))
        }
        let pings = PingSet(monitors: monitors)
        for switching in [2, 1, 3] {
            try scenario.setLease(switching, .hostGateway)
            try scenario.applyOnMembers()
            try scenario.expectFlannelState("after n\(switching) switched to host-gw")
            for index in scenario.members {
                let paths = try scenario.expectedPaths(node: index)
                let want = try Self.expectedIPv6(scenario, node: index, vxlanPeers: paths.vxlan, directPeers: paths.direct)
                #expect(try Self.observedIPv6(scenario, node: index).routes == want.routes.sorted(), "n\(index) after n\(switching)")
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        let results = try pings.stop()
        print("dual-stack rolling host-gw switch: \(ClusterScenario.summary(results))")
        ClusterScenario.expectNoLoss("dual-stack rolling host-gw switch", results)
        for index in scenario.members {
            #expect(try scenario.cluster.ip(node: index, ["link", "show", "flannel-v6.1"], check: false).status != 0,
                    "no lease is vxlan, yet n\(index) still has flannel-v6.1")
        }
        try scenario.expectConvergedAndConnected("after the dual-stack host-gw switch")
        #expect(try Self.unreachableIPv6(scenario, among: scenario.members).isEmpty)
    }

    @Test func ipv6DriftIsRepaired() throws {
        let scenario = try ClusterScenario(members: [1, 2, 3], dualStack: true)
        defer { scenario.shutdown() }
        try scenario.convergeOnVxlanFromNothing()
        let n2 = try scenario.cluster.node(2)
        let drift: [[String]] = [
            ["ip", "-6", "route", "del", n2.leaseSubnet6, "dev", "flannel-v6.1"],
            ["ip", "-6", "neigh", "del", n2.leaseGateway6, "dev", "flannel-v6.1"],
            ["bridge", "fdb", "del", n2.vtepMAC6, "dev", "flannel-v6.1", "dst", n2.publicIPv6, "self"],
        ]
        for command in drift { try scenario.cluster.exec(node: 1, command) }
        #expect(try Self.unreachableIPv6(scenario, among: [1, 2]).contains("n1→n2 (IPv6)"), "the drift cuts n1→n2 over IPv6")
        let plan = try scenario.tool("plan", node: 1, ["--detailed-exitcode"])
        #expect(plan.status == 2)
        #expect(ClusterScenario.changeLines(plan.stdout) == [
            "+ fdb \(n2.vtepMAC6) dev flannel-v6.1 dst \(n2.publicIPv6) self permanent",
            "+ neigh \(n2.leaseGateway6) lladdr \(n2.vtepMAC6) dev flannel-v6.1 nud permanent",
            "+ route \(n2.leaseSubnet6) via \(n2.leaseGateway6) dev flannel-v6.1 metric 1024 onlink",
        ], "\(plan.stdout)")
        // The agent repairs it, as it would on a node: `--once` exits 2 when it changed something.
        let repaired = try scenario.tool("reconcile", node: 1, ["--once"])
        #expect(repaired.status == 2, "\(repaired.stdout)\(repaired.stderr)")
        #expect(try Self.unreachableIPv6(scenario, among: scenario.members).isEmpty)
        try scenario.expectConvergedAndConnected("after the IPv6 drift was repaired")
    }

    /// The agent on a dual-stack node repairs IPv6 drift by targeted passes, object by object,
    /// without dumping the node again: a route of `flannel-v6.1`, its neighbour and its FDB
    /// entry each come back, and each repair is logged with `scope=targeted`.
    @Test func theAgentRepairsIPv6DriftByTargetedPasses() throws {
        let scenario = try ClusterScenario(members: [1, 2, 3], dualStack: true)
        defer { scenario.shutdown() }
        try scenario.convergeOnVxlanFromNothing()
        let node = try scenario.cluster.node(1)
        let agent = try BackgroundProcess(
            namespace: node.namespace,
            [ToolBinary.path, "reconcile"] + (try scenario.inputs(node: 1)) + ["--interval", "1h"], logName: "\(node.namespace)-agent"
        )
        defer { _ = agent.stop() }
        // Converged already: the first pass changes nothing; wait for it, then for quiet.
        let started = eventually(timeout: 20, poll: 0.1) { agent.log.contains("reconcile started") }
        try #require(started != nil, "the agent did not start: \(agent.log.suffix(2000))")
        Thread.sleep(forTimeInterval: 2)
        let n2 = try scenario.cluster.node(2)
        let drift: [(String, [String], () throws -> Bool)] = [
            ("route", ["ip", "-6", "route", "del", n2.leaseSubnet6, "dev", "flannel-v6.1"], {
                try scenario.cluster.ip(node: 1, ["-6", "route", "show", n2.leaseSubnet6]).stdout.contains("dev flannel-v6.1")
            }),
            ("neighbour", ["ip", "-6", "neigh", "del", n2.leaseGateway6, "dev", "flannel-v6.1"], {
                try scenario.cluster.ip(node: 1, ["-6", "neigh", "show", n2.leaseGateway6, "dev", "flannel-v6.1"]).stdout.contains("PERMANENT")
            }),
            ("fdb", ["bridge", "fdb", "del", n2.vtepMAC6, "dev", "flannel-v6.1", "dst", n2.publicIPv6, "self"], {
                try scenario.cluster.exec(node: 1, ["bridge", "fdb", "show", "dev", "flannel-v6.1"]).stdout.contains("\(n2.vtepMAC6) dst \(n2.publicIPv6)")
            }),
        ]
        for (label, command, isBack) in drift {
            let before = ReconcileTargetedTests.repairs(agent.log).count
            try scenario.cluster.exec(node: 1, command)
            let back = eventually(timeout: 5, poll: 0.02) { (try? isBack()) == true }
            #expect(back != nil, "IPv6 \(label) not repaired\n\(agent.log.suffix(2000))")
            let logged = eventually(timeout: 3) { ReconcileTargetedTests.repairs(agent.log).count > before }
            try #require(logged != nil, "IPv6 \(label): no repaired line\n\(agent.log.suffix(2000))")
            let line = ReconcileTargetedTests.repairs(agent.log)[before]
            #expect(line.targeted, "IPv6 \(label) was repaired by a full pass: \(line.line)")
        }
        #expect(try Self.unreachableIPv6(scenario, among: scenario.members).isEmpty)
    }

    /// `check --backend host-gw` on a live dual-stack node names n4 (behind the router) in both
    /// families, each with the address the kernel's route lookup found off-link; with n4 gone it
    /// passes. Without an IPv6 address on the underlay, `check` says IPv6 cannot work.
    @Test func checkJudgesIPv6OnLinkAndTheIPv6Underlay() throws {
        let scenario = try ClusterScenario(dualStack: true)
        defer { scenario.shutdown() }
        let n4 = try scenario.cluster.node(4)
        let blocked = try scenario.checkHostGateway(node: 1)
        #expect(blocked.status == 1, "\(blocked.stdout)\(blocked.stderr)")
        let problems = blocked.stdout.split(separator: "\n").filter { $0.hasPrefix("problem:") }
        #expect(problems.count == 2, "n4 in each family: \(blocked.stdout)")
        #expect(problems.contains { $0.contains("via \(n4.publicIP)") }, "\(blocked.stdout)")
        #expect(problems.contains { $0.contains("via \(n4.publicIPv6)") && $0.contains("not on-link") }, "\(blocked.stdout)")
        try scenario.setLease(4, nil)
        let fine = try scenario.checkHostGateway(node: 1)
        #expect(fine.status == 0, "\(fine.stdout)\(fine.stderr)")

        let n1 = try scenario.cluster.node(1)
        try scenario.cluster.ip(node: 1, ["-6", "addr", "del", "\(n1.publicIPv6)/64", "dev", "eth0"])
        let noAddress = try scenario.tool("check", node: 1)
        #expect(noAddress.status == 1, "\(noAddress.stdout)\(noAddress.stderr)")
        #expect((noAddress.stdout + noAddress.stderr).contains("no global IPv6 address"), "\(noAddress.stdout)\(noAddress.stderr)")
    }
}

