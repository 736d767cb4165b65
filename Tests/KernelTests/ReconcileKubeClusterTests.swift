import Foundation
import Testing

/// Issue 13 on a namespace cluster with real traffic: every node runs `reconcile
/// --kube-subnet-mgr` against one test API server (TLS with a CA made here, bearer tokens read
/// from a file, the wire protocol of `/api/v1/nodes`), reachable through the router as
/// kube-apiserver is through the cluster's service address. Node documents are shaped as the
/// API serves them (kubelet's status, managed fields, flannel's annotations).
///
/// The agents program from the list; a node added, its VtepMAC changed and a node deleted reach
/// the kernel within 1 s; heartbeats cost no pass; a forced 410 lists again without deleting a
/// thing; an API server killed deletes nothing and the agents follow again when it is back; a
/// token rotated on disk is used by the next request. Pods ping each other throughout.
@Suite(.enabled(if: KernelTestEnvironment.isRoot && KubeTestAPIServer.isAvailable, "needs root, python3 and openssl"))
struct ReconcileKubeClusterTests {
    /// The agents of a scenario's nodes and the API server they follow.
    final class KubeCluster: @unchecked Sendable {
        let scenario: ClusterScenario
        let server: KubeTestAPIServer
        let tokenFile: String
        private(set) var agents: [Int: BackgroundProcess] = [:]

        init(members: [Int], dualStack: Bool = false) throws {
            scenario = try ClusterScenario(members: members, dualStack: dualStack)
            let router = scenario.cluster.routerNamespace
            server = try KubeTestAPIServer(
                namespace: router, directory: scenario.directory, address: "0.0.0.0",
                serverIPs: scenario.cluster.routerUnderlayIPs, extra: ["--bookmark-interval", "2"]
            )
            // The agents read their token from a file, as a projected service-account token.
            tokenFile = scenario.directory.appendingPathComponent("agent-token").path
            try server.token.appending("\n").write(toFile: tokenFile, atomically: true, encoding: .utf8)
        }

        func shutdown() {
            for agent in agents.values { agent.stop() }
            server.kill()
            scenario.shutdown()
        }

        var cluster: NamespaceCluster { scenario.cluster }

        /// Adds node `index`'s document as kubelet, the controller manager and flanneld leave it.
        @discardableResult
        func register(_ index: Int, vtepMAC: String? = nil) throws -> Int {
            let node = try cluster.node(index)
            return try server.addNode(
                node.name, podCIDR: node.leaseSubnet, publicIP: node.publicIP, vtepMAC: vtepMAC ?? node.vtepMAC,
                extra: ["internalIP": node.publicIP]
            )
        }

        /// Starts the agent of node `index`, as the DaemonSet runs it (NODE_NAME, kube-flannel's
        /// net-conf, flanneld's flags), with a kubeconfig naming the router's address on its underlay.
        func startAgent(_ index: Int) throws {
            let node = try cluster.node(index)
            let kubeconfig = try server.writeKubeconfig(
                to: scenario.directory.appendingPathComponent("kubeconfig-n\(index)").path, token: .file(tokenFile),
                server: "https://\(node.routerIP):\(server.port)"
            )
            agents[index] = try BackgroundProcess(
                namespace: node.namespace,
                ["env", "NODE_NAME=\(node.name)", ToolBinary.path, "reconcile", "--kube-subnet-mgr", "--kubeconfig-file", kubeconfig,
                 "--net-conf", scenario.netConfPath, "--iface", "eth0", "--metrics-address", "127.0.0.1:9464", "--log-level", "debug"],
                logName: "agent-n\(index)"
            )
        }

        func stopAgent(_ index: Int) {
            agents.removeValue(forKey: index)?.stop()
        }

        func logs() -> String {
            agents.sorted { $0.key < $1.key }.map { "--- agent n\($0.key)\n\($0.value.log.suffix(4000))" }.joined(separator: "\n")
                + "\n--- server\n\(server.log.suffix(3000))"
        }

        func routes(_ index: Int) -> [String] {
            (try? cluster.ip(node: index, ["route", "show"], check: false).stdout)?
                .split(separator: "\n").map(String.init).filter { $0.contains("flannel.1") } ?? []
        }

        func neighbours(_ index: Int) -> String {
            (try? cluster.ip(node: index, ["neigh", "show", "dev", "flannel.1"], check: false).stdout) ?? ""
        }

        func metrics(_ index: Int) -> String {
            (try? cluster.exec(node: index, ["curl", "-s", "-m", "3", "http://127.0.0.1:9464/metrics"], check: false).stdout) ?? ""
        }

        func metric(_ index: Int, _ name: String, _ labels: [String: String] = [:]) -> Double {
            PrometheusText.value(metrics(index), name, labels: labels) ?? -1
        }

        /// Passes of every kind so far on node `index`.
        func passes(_ index: Int) -> Double {
            ["unchanged", "changed", "failed", "drift"].reduce(0) { $0 + max(0, metric(index, "netplan_flannel_passes_total", ["result": $1])) }
        }

        /// Every member's pod reaches every other member's pod.
        func allPodsReachEachOther(_ members: [Int]) throws -> Bool {
            for from in members {
                for to in members where to != from {
                    if try !cluster.canPing(fromPod: from, toPod: to, count: 1, timeout: 1) { return false }
                }
            }
            return true
        }

        /// Seconds until `condition` holds, checked every 5 ms, or nil after `timeout`.
        func seconds(_ timeout: Double = 3, _ condition: () -> Bool) -> Double? {
            eventually(timeout: timeout, poll: 0.005, condition)
        }
    }

    @Test func followsTheAPIWithRealTrafficAndSurvivesItsFaults() throws {
        let kube = try KubeCluster(members: [1, 2, 3])
        defer { kube.shutdown() }
        for index in [1, 2, 3] { try kube.register(index) }

        // 1. Programming from the initial list.
        for index in [1, 2, 3] { try kube.startAgent(index) }
        let listed = eventually(timeout: 20, poll: 0.1) { (try? kube.allPodsReachEachOther([1, 2, 3])) == true }
        try #require(listed != nil, "pods do not reach each other after the initial list:\n\(kube.logs())")
        #expect(kube.routes(1).count == 2, "\(kube.routes(1))")

        // 2. Heartbeats: kubelet's status updates on every node change no lease, so no pass runs.
        let passesBefore = kube.passes(1)
        let irrelevantBefore = kube.metric(1, "netplan_flannel_lease_source_events_total", ["type": "MODIFIED", "relevance": "irrelevant"])
        try kube.server.heartbeats(count: 100)
        let heard = kube.seconds(10) {
            kube.metric(1, "netplan_flannel_lease_source_events_total", ["type": "MODIFIED", "relevance": "irrelevant"])
                >= irrelevantBefore + 300
        }
        #expect(heard != nil, "300 heartbeats not all seen:\n\(kube.metrics(1))")
        #expect(kube.passes(1) == passesBefore, "heartbeats caused passes:\n\(kube.logs())")
        #expect(kube.metric(1, "netplan_flannel_lease_source_events_total", ["type": "MODIFIED", "relevance": "relevant"]) == 0)

        // 3. A node added: n4 (behind the router) registers; every agent routes to it within 1 s.
        let n4 = try kube.cluster.node(4)
        try kube.register(4)
        let added = kube.seconds { kube.routes(1).contains { $0.hasPrefix("\(n4.leaseSubnet) via \(n4.leaseGateway) dev flannel.1") } }
        #expect(added.map { $0 < 1 } == true, "n4 added: route on n1 after \(String(describing: added)) s\n\(kube.logs())")
        try kube.startAgent(4)
        let joined = eventually(timeout: 15, poll: 0.1) { (try? kube.allPodsReachEachOther([1, 2, 3, 4])) == true }
        #expect(joined != nil, "n4's pod is not reachable:\n\(kube.logs())")
        #expect(kube.metric(1, "netplan_flannel_pass_scopes_total", ["scope": "peers"]) >= 1, "not planned peer by peer")

        // 4. n2's VtepMAC changes (its flannel.1 came back with another MAC): its own agent
        // moves the device's MAC, the others their neighbour and FDB entries, within 1 s.
        let newMAC = "0e:00:00:00:22:01"
        try kube.server.setVtepMAC("n2", newMAC)
        let moved = kube.seconds { kube.neighbours(1).contains("lladdr \(newMAC)") && kube.neighbours(3).contains("lladdr \(newMAC)") }
        #expect(moved.map { $0 < 1 } == true, "VtepMAC change reached n1 and n3 after \(String(describing: moved)) s\n\(kube.logs())")
        let reachable = eventually(timeout: 5, poll: 0.1) { (try? kube.cluster.canPing(fromPod: 1, toPod: 2)) == true }
        #expect(reachable != nil, "n2's pod unreachable after its VtepMAC change:\n\(kube.logs())")
        #expect(try kube.cluster.canPing(fromPod: 3, toPod: 2))

        // 5. n4 deleted: its route is gone within 1 s; the others are left alone.
        kube.stopAgent(4)
        try kube.server.deleteNode("n4")
        let deleted = kube.seconds { !kube.routes(1).contains { $0.hasPrefix(n4.leaseSubnet) } }
        #expect(deleted.map { $0 < 1 } == true, "n4 deleted: route on n1 gone after \(String(describing: deleted)) s")
        #expect(kube.routes(1).count == 2 && kube.routes(3).count == 2)
        print("kube: node added -> route in \(ms(added)), VtepMAC changed -> neighbours in \(ms(moved)), node deleted -> route gone in \(ms(deleted))")

        // 6. A forced 410: every watch ended, and the next three watches (one per agent) get the
        // ERROR 410 event a compacted history gives; the agents list again and change nothing.
        let ping = try kube.cluster.startPing(fromPod: 1, toPod: 3)
        let listsBefore = try kube.server.stats().lists
        let changesBefore = kube.metric(1, "netplan_flannel_changes_applied_total", ["kind": "route", "verb": "delete"])
        try kube.server.fault(.expired, scope: .watch, count: 3)
        try kube.server.endWatches()
        let relisted = kube.seconds(10) { ((try? kube.server.stats().lists) ?? 0) >= listsBefore + 3 }
        #expect(relisted != nil, "the agents did not list again after 410:\n\(kube.logs())")
        #expect(kube.metric(1, "netplan_flannel_lease_source_restarts_total", ["request": "list", "reason": "expired"]) >= 1)
        Thread.sleep(forTimeInterval: 0.5)
        #expect(kube.metric(1, "netplan_flannel_changes_applied_total", ["kind": "route", "verb": "delete"]) == changesBefore)

        // 7. The API server killed: nothing is deleted, traffic flows, the outage is in the
        // metrics; back (its state kept, as etcd keeps it), the agents follow changes again.
        let persisted = try kube.server.persistedState()
        kube.server.kill()
        Thread.sleep(forTimeInterval: 3)
        #expect(kube.routes(1).count == 2 && kube.routes(2).count == 2 && kube.routes(3).count == 2, "the outage deleted routes")
        #expect(kube.metric(1, "netplan_flannel_lease_source_up") == 0, "the outage is not in the metrics")
        #expect(kube.agents.values.allSatisfy { $0.isRunning })
        let report = try ping.stop()
        #expect(report.lostBeforeStop == 0, "pings lost through the 410 and the outage: \(report.unansweredSequences)")
        try kube.server.restart(from: persisted)
        let n3 = try kube.cluster.node(3)
        try kube.server.setVtepMAC("n3", "0e:00:00:00:33:01")
        let followed = kube.seconds(15) { kube.neighbours(1).contains("\(n3.leaseGateway) lladdr 0e:00:00:00:33:01") }
        #expect(followed != nil, "no recovery after the API server returned:\n\(kube.logs())")
        #expect(kube.metric(1, "netplan_flannel_lease_source_up") == 1)
        // n1 followed; n2 and n3 each come back on their own retry (0.25 s doubling to 10 s,
        // with jitter, since the outage), n3 re-creating flannel.1 with its new MAC: every pair
        // is asked until all have.
        let recovered = eventually(timeout: 20, poll: 0.2) { (try? kube.allPodsReachEachOther([1, 2, 3])) == true }
        #expect(recovered != nil, "\(kube.logs())")

        // 8. The service-account token rotates: the file is rewritten, the server accepts only
        // the new token; the next request (a watch ended by the server) uses it.
        try "rotated-token-2\n".write(toFile: kube.tokenFile, atomically: true, encoding: .utf8)
        try kube.server.rotateToken(to: "rotated-token-2")
        try kube.server.resetStats()
        try kube.server.endWatches()
        try kube.server.setVtepMAC("n3", n3.vtepMAC)
        let rotated = kube.seconds(10) { kube.neighbours(1).contains("\(n3.leaseGateway) lladdr \(n3.vtepMAC)") }
        #expect(rotated != nil, "no change followed with the rotated token:\n\(kube.logs())")
        let stats = try kube.server.stats()
        #expect(stats.count("watch", 401) == 0 && stats.count("list", 401) == 0, "the old token was sent: \(stats.byKind)")
        for index in [1, 2, 3] { #expect(kube.agents[index]?.stop() == 0, "\(kube.logs())") }
    }

    func ms(_ seconds: Double?) -> String {
        seconds.map { String(format: "%.0f ms", $0 * 1000) } ?? "never"
    }
}
