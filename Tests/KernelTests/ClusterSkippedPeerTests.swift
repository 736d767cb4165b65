import Foundation
import Testing

/// "Degraded, not down" on a real cluster: one node reads a lease set in which one peer's lease
/// is bad and the off-link peer n4 advertises host-gw. Those two peers are skipped by name, their
/// objects on the node stay exactly as they were (so traffic to them keeps flowing over what was
/// programmed before), and every other peer is still programmed.
@Suite(.enabled(if: KernelTestEnvironment.isRoot, "needs root for network namespaces"))
struct ClusterSkippedPeerTests {
    /// How n2's lease is broken in n1's lease file.
    enum BadLease: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case loopbackPublicIP = "PublicIP 127.0.0.1"
        case multicastVtepMAC = "VtepMAC 01:00:5e:00:00:01"
        case unparseablePublicIP = "PublicIP that does not parse"

        var testDescription: String { rawValue }

        func value(for node: ClusterNode) -> [String: Any] {
            var value = node.leaseValue(.vxlan)
            switch self {
            case .loopbackPublicIP: value["PublicIP"] = "127.0.0.1"
            case .multicastVtepMAC: value["BackendData"] = ["VNI": 1, "VtepMAC": "01:00:5e:00:00:01"]
            case .unparseablePublicIP: value["PublicIP"] = "172.22.0.twelve"
            }
            return value
        }

        /// What the `skipped:` line must name.
        var field: String {
            switch self {
            case .loopbackPublicIP, .unparseablePublicIP: return "PublicIP"
            case .multicastVtepMAC: return "VtepMAC"
            }
        }
    }

    /// n1 applies with n2's lease broken and n4's lease host-gw (n4 sits behind the router, so
    /// host-gw cannot reach it). n3's route was deleted by hand first, so the apply has real work
    /// for a good peer.
    @Test(arguments: BadLease.allCases)
    func badPeerAndOffLinkHostGatewayPeerAreSkippedOthersProgrammed(_ bad: BadLease) throws {
        let started = Date()
        let scenario = try ClusterScenario()
        defer { scenario.shutdown() }
        try scenario.convergeOnVxlanFromNothing()
        let cluster = scenario.cluster
        let n2 = try cluster.node(2), n3 = try cluster.node(3), n4 = try cluster.node(4)
        let leases = try scenario.writeLeaseFile(
            named: "n1-leases.json", overriding: [2: bad.value(for: n2), 4: n4.leaseValue(.hostGateway)]
        )
        try cluster.exec(node: 1, ["ip", "route", "del", n3.leaseSubnet])
        #expect(try !cluster.canPing(fromPod: 1, toPod: 3, count: 1, timeout: 0.3), "n3's route is gone from n1")

        /// n1's kernel lines for the skipped peers, in the tools' own order and bytes: routes to
        /// their subnets, neighbours of S.0, FDB entries of their VtepMAC or towards their PublicIP.
        func skippedPeersLines() throws -> [String] {
            let routes = try cluster.routes(node: 1).split(separator: "\n")
                .filter { $0.hasPrefix(n2.leaseSubnet + " ") || $0.hasPrefix(n4.leaseSubnet + " ") }
            let neighbors = try cluster.neighbors(node: 1, device: "flannel.1").split(separator: "\n")
                .filter { $0.hasPrefix(n2.leaseGateway + " ") || $0.hasPrefix(n4.leaseGateway + " ") }
            let fdb = try cluster.fdb(node: 1, device: "flannel.1").split(separator: "\n").filter { line in
                [n2.vtepMAC, n4.vtepMAC, "dst \(n2.publicIP) ", "dst \(n4.publicIP) "].contains { line.contains($0) }
            }
            return (routes + neighbors + fdb).map(String.init)
        }
        let before = try skippedPeersLines()
        #expect(before.count == 6, "route, neighbour and FDB entry of n2 and of n4 before: \(before)")

        // Plan first: exactly n3's route, nothing for the skipped peers.
        let plan = try scenario.tool("plan", node: 1, leases: leases)
        #expect(ClusterScenario.changeLines(plan.stdout) == ["+ route \(try scenario.vxlanRoute(to: 3))"],
                "\(bad): plan was\n\(plan.stdout)\(plan.stderr)")

        let applied = try scenario.tool("apply", node: 1, leases: leases)
        #expect(applied.status == 1, "\(bad): skipped peers make apply exit 1: \(applied.stdout)\(applied.stderr)")
        let skipped = applied.stderr.split(separator: "\n").filter { $0.hasPrefix("skipped:") }
        #expect(skipped.count == 2, "\(bad): one line per skipped peer:\n\(applied.stderr)")
        let aboutN2 = skipped.filter { $0.contains(n2.leaseKey) }, aboutN4 = skipped.filter { $0.contains(n4.leaseKey) }
        #expect(aboutN2.count == 1 && aboutN2.allSatisfy { $0.contains(bad.field) && $0.contains(leases) },
                "\(bad): n2's line names its key, the source and \(bad.field):\n\(applied.stderr)")
        #expect(aboutN4.count == 1 && aboutN4.allSatisfy { $0.contains("on-link") && $0.contains(leases) },
                "\(bad): n4's line names its key, the source and on-link:\n\(applied.stderr)")
        #expect(applied.stdout.contains(try scenario.vxlanRoute(to: 3)), "\(bad): \(applied.stdout)")

        let after = try skippedPeersLines()
        #expect(after == before, "\(bad): the skipped peers' objects changed:\n\(ClusterScenario.difference(before.joined(separator: "\n"), after.joined(separator: "\n")))")

        // The good peer is programmed; the skipped ones keep working on what was there.
        #expect(try scenario.peerRoutes(node: 1).contains(try scenario.vxlanRoute(to: 3)))
        for peer in [3, 2, 4] {
            #expect(try cluster.canPing(fromPod: 1, toPod: peer, count: 3, timeout: 1), "\(bad): n1→n\(peer)")
            #expect(try cluster.canPing(fromPod: peer, toPod: 1, count: 3, timeout: 1), "\(bad): n\(peer)→n1")
        }

        // Nothing left to do, and still nothing for the skipped peers; still reported.
        let again = try scenario.tool("plan", node: 1, leases: leases)
        #expect(ClusterScenario.changeLines(again.stdout).isEmpty, "\(bad): \(again.stdout)")
        #expect(again.status == 1, "\(bad): plan reports skipped peers with exit 1: \(again.stdout)\(again.stderr)")
        #expect(again.stderr.split(separator: "\n").filter { $0.hasPrefix("skipped:") }.count == 2, "\(bad): \(again.stderr)")
        print("skipped peers (\(bad)): \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    }

    /// A skipped peer whose record did not parse, and whose neighbour entry on the node is gone
    /// (drift, or never there): its FDB entry must still be left as it is. The rejected record
    /// keeps the PublicIP or VtepMAC that did parse (`LeaseReading.append`'s salvage), so the
    /// entry is protected by one or the other even without the neighbour to find its MAC from.
    @Test(arguments: ["PublicIP", "VtepMAC"])
    func anUnparseablePeerKeepsItsFdbEntryWithoutItsNeighbour(_ field: String) throws {
        let scenario = try ClusterScenario(members: [1, 2, 3])
        defer { scenario.shutdown() }
        try scenario.convergeOnVxlanFromNothing()
        let n2 = try scenario.cluster.node(2)
        var value = n2.leaseValue(.vxlan)
        if field == "PublicIP" {
            value["PublicIP"] = "172.22.0.twelve"
        } else {
            value["BackendData"] = ["VNI": 1, "VtepMAC": "0e:00:zz:00:02:01"]
        }
        let leases = try scenario.writeLeaseFile(named: "n1-leases.json", overriding: [2: value])
        try scenario.cluster.exec(node: 1, ["ip", "neigh", "del", n2.leaseGateway, "dev", "flannel.1"])
        let before = try scenario.vxlanFdb(node: 1)
        try #require(before.contains(try scenario.vxlanFdbEntry(of: 2)))

        let plan = try scenario.tool("plan", node: 1, leases: leases)
        #expect(plan.stderr.contains("skipped:") && plan.stderr.contains(n2.leaseKey), "\(plan.stderr)")
        #expect(ClusterScenario.changeLines(plan.stdout).isEmpty, "\(field): \(plan.stdout)")
        _ = try scenario.tool("apply", node: 1, leases: leases)
        #expect(try scenario.vxlanFdb(node: 1) == before, "\(field): n2's FDB entry is gone")
    }
}
