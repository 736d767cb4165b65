import Foundation
import Testing

/// Degraded, not down: a peer lease with a problem of its own is skipped while every other
/// peer is programmed, and the agent says so (metric, `/healthz`, log) until the lease is fixed.
@Suite(.enabled(if: KernelTestEnvironment.isRoot, "needs root for network namespaces"))
struct ReconcileSkippedTests {
    static let badKey = "/coreos.com/network/subnets/10.244.5.0-24"

    @Test func aBadPeerIsSkippedAndProgrammedOnceFixed() throws {
        let node = try ReconcileNode(tag: "skip")
        defer { node.shutdown() }
        let path = node.path("leases.json")
        func rewrite(publicIP: String) throws {
            var leases = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
            var lease = try #require(leases[Self.badKey] as? [String: Any])
            lease["PublicIP"] = publicIP
            leases[Self.badKey] = lease
            try JSONSerialization.data(withJSONObject: leases).write(to: URL(fileURLWithPath: path), options: .atomic)
        }
        try rewrite(publicIP: "127.0.0.1")
        let agent = try node.startAgent()
        defer { agent.stop() }
        let good = ReconcileNode.peers.dropLast()
        let bad = try #require(ReconcileNode.peers.last)
        func skippedGauge() -> Double? {
            PrometheusText.value(node.get("http://127.0.0.1:9464/metrics").body, "netplan_flannel_skipped_leases", labels: ["reason": "invalid_public_ip"])
        }

        // The good peers are programmed, the bad one is not; the agent is serving, degraded.
        let served = eventually(timeout: 10, poll: 0.05) {
            let routes = node.flannelRoutes()
            return good.allSatisfy { peer in routes.contains { $0.hasPrefix("\(peer.subnet) via \(peer.gateway) dev flannel.1") } }
                && skippedGauge() == 1
        }
        try #require(served != nil, "\(node.flannelRoutes())\n\(agent.log.suffix(3000))")
        #expect(!node.flannelRoutes().contains { $0.hasPrefix(bad.subnet) })
        #expect(!node.fdb().contains(bad.mac))
        #expect(!node.fdb().contains("127.0.0.1"))
        let metrics = node.get("http://127.0.0.1:9464/metrics").body
        #expect(try !PrometheusText.parse(metrics).isEmpty)
        #expect(PrometheusText.value(metrics, "netplan_flannel_skipped_leases", labels: ["reason": "vni_mismatch"]) == 0)
        let health = node.get("http://127.0.0.1:9464/healthz")
        #expect(health.status == 0, "curl -f: not a 2xx")
        #expect(health.body.hasPrefix("ok: degraded: 1 peer skipped\n"), "\(health.body)")
        #expect(health.body.contains("skipped: \(Self.badKey): PublicIP: 127.0.0.1"), "\(health.body)")
        #expect(agent.log.contains("peer skipped: \(Self.badKey)"), "\(agent.log.suffix(3000))")

        // Later passes do not log it again.
        Thread.sleep(forTimeInterval: 0.3)
        try node.ip("route", "del", good[good.startIndex].subnet)
        try #require(eventually(timeout: 5) { node.flannelRoutes().contains { $0.hasPrefix(good[good.startIndex].subnet) } } != nil)
        #expect(agent.log.components(separatedBy: "peer skipped: \(Self.badKey)").count == 2, "logged more than once")
        #expect(node.get("http://127.0.0.1:9464/healthz").body.hasPrefix("ok: degraded"), "a targeted pass cleared it")

        // Fixed in the file: programmed, the gauge back to 0, healthy, and the log says so.
        try rewrite(publicIP: bad.publicIP)
        let fixed = eventually(timeout: 10, poll: 0.05) {
            node.isConverged && skippedGauge() == 0
        }
        #expect(fixed != nil, "\(node.flannelRoutes())\n\(agent.log.suffix(3000))")
        #expect(node.fdb().contains("\(bad.mac) dst \(bad.publicIP)"))
        #expect(node.get("http://127.0.0.1:9464/healthz").body == "ok\n")
        #expect(agent.log.contains("peer no longer skipped: \(Self.badKey)"), "\(agent.log.suffix(3000))")
        #expect(agent.stop() == 0, "\(agent.log.suffix(2000))")
    }

    /// `reconcile --once` is a one-shot: it programs every good peer and then, as `apply`,
    /// exits 1 with a `skipped:` line per peer left out.
    @Test func onceExitsOneWithTheSkippedPeersNamed() throws {
        let node = try ReconcileNode(tag: "skip1")
        defer { node.shutdown() }
        let path = node.path("leases.json")
        var leases = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        var lease = try #require(leases[Self.badKey] as? [String: Any])
        lease["BackendData"] = ["VNI": 1, "VtepMAC": "01:00:5e:00:00:05"]
        leases[Self.badKey] = lease
        try JSONSerialization.data(withJSONObject: leases).write(to: URL(fileURLWithPath: path), options: .atomic)
        let once = try Shell.run(
            ["ip", "netns", "exec", node.namespace, ToolBinary.path, "reconcile", "--once", "--net-conf",
             node.path("net-conf.json"), "--leases", path, "--node-ip", ReconcileNode.nodeIP],
            check: false, timeout: 30
        )
        #expect(once.status == 1, "\(once.stderr)")
        let lines = once.stderr.split(separator: "\n").filter { $0.hasPrefix("skipped: ") }
        #expect(lines.count == 1 && lines.first?.contains("\(Self.badKey): BackendData.VtepMAC: 01:00:5e:00:00:05 is a multicast address") == true, "\(once.stderr)")
        let routes = node.flannelRoutes()
        #expect(ReconcileNode.peers.dropLast().allSatisfy { peer in routes.contains { $0.hasPrefix("\(peer.subnet) via \(peer.gateway) dev flannel.1") } })
        #expect(!routes.contains { $0.hasPrefix(ReconcileNode.peers[ReconcileNode.peers.count - 1].subnet) })
    }
}
