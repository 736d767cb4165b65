import Foundation
import Testing

/// The test API server itself (scripts/kube-test-apiserver through KubeTestAPIServer), checked
/// with curl inside a namespace, so a kube-subnet-mgr test that fails points at the agent and not
/// at a server that drifted from kube-apiserver's protocol.
@Suite(.enabled(if: KernelTestEnvironment.isRoot && KubeTestAPIServer.isAvailable, "needs root, python3, openssl and curl (scripts/install-deps)"))
struct KubeTestAPIServerTests {
    /// 1,200 nodes in pages of 500: every page at the first page's resourceVersion (a node added
    /// between pages does not show), remainingItemCount counting down, every node once, in name
    /// order, list items without kind/apiVersion as kube-apiserver sends them; the token of a
    /// compacted list gets 410 Expired.
    @Test func paginatedListIsConsistent() throws {
        let node = try ReconcileNode(tag: "kpage")
        defer { node.shutdown() }
        let server = try KubeTestAPIServer(namespace: node.namespace, directory: node.directory, quiet: true)
        defer { server.kill() }
        try server.bulkLoad(count: 1200)

        var names: [String] = []
        var versions: Set<String> = []
        var remaining: [Int] = []
        var token: String?
        var firstToken: String?
        repeat {
            let query = "/api/v1/nodes?limit=500" + (token.map { "&continue=\($0)" } ?? "")
            let page = try #require(server.getJSON(query), "page \(query) is not JSON")
            #expect(page["kind"] as? String == "NodeList")
            #expect(page["apiVersion"] as? String == "v1")
            let metadata = try #require(page["metadata"] as? [String: Any])
            versions.insert(metadata["resourceVersion"] as? String ?? "")
            let items = try #require(page["items"] as? [[String: Any]])
            #expect(items.allSatisfy { $0["kind"] == nil && $0["apiVersion"] == nil })
            names += items.compactMap { ($0["metadata"] as? [String: Any])?["name"] as? String }
            token = metadata["continue"] as? String
            if let count = metadata["remainingItemCount"] as? Int { remaining.append(count) }
            if firstToken == nil {
                firstToken = token
                try server.addNode("node-late", podCIDR: "10.255.0.0/24", publicIP: "192.0.2.1", vtepMAC: "0e:00:00:ff:ff:01")
            }
        } while token != nil

        #expect(versions.count == 1, "pages at different resourceVersions: \(versions)")
        #expect(names.count == 1200)
        #expect(names == (1...1200).map { String(format: "node-%05d", $0) })
        #expect(remaining == [700, 200])

        // The list's resourceVersion compacted away: its continue token is refused with 410.
        try server.compact()
        let expired = server.curl("/api/v1/nodes?limit=500&continue=\(try #require(firstToken))", extra: ["-w", "\n%{http_code}"])
        #expect(expired.stdout.hasSuffix("\n410"), "\(expired.stdout.suffix(200))")
        #expect(expired.stdout.contains(#""reason":"Expired""#))
        #expect(expired.stdout.contains("The provided continue parameter is too old"))
    }

    /// A watch from the list's resourceVersion sees ADDED, MODIFIED (VtepMAC, then heartbeats
    /// that change nothing of flannel's) and DELETED after admin changes, and a BOOKMARK on
    /// demand (with the latest resourceVersion), in order; ending the watches finishes the chunked
    /// body cleanly (curl exits 0), cutting them mid-line does not (curl exits 18).
    @Test func watchSeesChangesAndBookmarks() throws {
        let node = try ReconcileNode(tag: "kwatch")
        defer { node.shutdown() }
        let server = try KubeTestAPIServer(namespace: node.namespace, directory: node.directory)
        defer { server.kill() }
        try server.load(leasesFile: node.path("leases.json"))
        let list = try #require(server.getJSON("/api/v1/nodes"))
        let version = try #require((list["metadata"] as? [String: Any])?["resourceVersion"] as? String)
        #expect((list["items"] as? [Any])?.count == 6)

        let watch = try watchProcess(server, "/api/v1/nodes?watch=1&resourceVersion=\(version)&allowWatchBookmarks=true&timeoutSeconds=60")
        defer { watch.stop(grace: 1) }
        #expect(eventually(timeout: 5) { (try? server.stats().openWatches) == 1 } != nil, "the watch never opened")

        try server.addNode("node9", podCIDR: "10.244.9.0/24", publicIP: "172.22.0.99", vtepMAC: "0e:4c:8b:10:09:01")
        try server.setVtepMAC("node9", "0e:4c:8b:10:09:02")
        try server.heartbeats(node: "node9", count: 2)
        try server.deleteNode("node9")
        try server.bookmark()

        let events = try #require(eventually(timeout: 5) { Self.events(watch.log).count >= 6 }.map { _ in Self.events(watch.log) },
                                  "events missing:\n\(watch.log.prefix(2000))")
        #expect(events.map(\.type) == ["ADDED", "MODIFIED", "MODIFIED", "MODIFIED", "DELETED", "BOOKMARK"])
        // Each change a new resourceVersion; the bookmark carries the latest (that of the delete).
        let versions = events.map(\.resourceVersion)
        #expect(versions.dropLast() == versions.dropLast().sorted() && Set(versions.dropLast()).count == 5, "\(versions)")
        #expect(versions[5] == versions[4], "\(versions)")
        #expect(versions.first.map { $0 > Int(version)! } == true)
        #expect(events[0].object["kind"] as? String == "Node")
        #expect(events[1].annotation("flannel.alpha.coreos.com/backend-data") == #"{"VNI":1,"VtepMAC":"0e:4c:8b:10:09:02"}"#)
        // Heartbeats: same annotations and spec as the VtepMAC change, new resourceVersion.
        for heartbeat in events[2...3] {
            #expect(heartbeat.metadata["annotations"] as? [String: String] == events[1].metadata["annotations"] as? [String: String])
            #expect(NSDictionary(dictionary: heartbeat.object["spec"] as? [String: Any] ?? [:])
                .isEqual(to: events[1].object["spec"] as? [String: Any] ?? [:]))
        }
        #expect(events[5].object["kind"] as? String == "Node")
        #expect(events[5].metadata["creationTimestamp"] is NSNull)

        try server.endWatches()
        #expect(watch.waitForExit(timeout: 5) == 0, "an ended watch must finish its chunked body cleanly:\n\(watch.log.suffix(300))")

        // Cut mid-line: half a JSON line, then the connection closes; curl sees a partial transfer.
        let cut = try watchProcess(server, "/api/v1/nodes?watch=1&resourceVersion=\(versions.last!)&timeoutSeconds=60")
        defer { cut.stop(grace: 1) }
        #expect(eventually(timeout: 5) { (try? server.stats().openWatches) == 1 } != nil)
        try server.cutWatches()
        #expect(cut.waitForExit(timeout: 5) == 18, "curl: \(cut.log.suffix(300))")
        #expect(!cut.log.hasSuffix("\n") && !cut.log.isEmpty, "no half line written")

        // The server-side timeout ends the stream cleanly.
        let start = Date()
        let timedOut = server.curl("/api/v1/nodes?watch=true&resourceVersion=\(versions.last!)&timeoutSeconds=1")
        #expect(timedOut.status == 0 && Date().timeIntervalSince(start) < 3)
    }

    /// After a compaction, a watch from an older resourceVersion gets one ERROR event (Status 410
    /// Expired) and the stream ends; a watch from the current version is served.
    @Test func watchFromCompactedVersionGetsExpired() throws {
        let node = try ReconcileNode(tag: "k410")
        defer { node.shutdown() }
        let server = try KubeTestAPIServer(namespace: node.namespace, directory: node.directory)
        defer { server.kill() }
        let old = try server.addNode("node1", podCIDR: "10.244.1.0/24", publicIP: "172.22.1.176", vtepMAC: "0e:4c:8b:10:01:01")
        try server.setVtepMAC("node1", "0e:4c:8b:10:01:02")
        let compacted = try server.compact()
        #expect(compacted > old)

        let result = server.curl("/api/v1/nodes?watch=1&resourceVersion=\(old)&allowWatchBookmarks=true&timeoutSeconds=30", timeout: 10)
        #expect(result.status == 0, "the stream must end after the ERROR event: \(result.stderr)")
        let events = Self.events(result.stdout)
        #expect(events.count == 1 && events.first?.type == "ERROR", "\(result.stdout)")
        let statusObject = events.first?.object ?? [:]
        #expect(statusObject["kind"] as? String == "Status")
        #expect(statusObject["code"] as? Int == 410)
        #expect(statusObject["reason"] as? String == "Expired")
        #expect(statusObject["message"] as? String == "too old resource version: \(old) (\(compacted))")

        let current = server.curl("/api/v1/nodes?watch=1&resourceVersion=\(compacted)&timeoutSeconds=1")
        #expect(current.status == 0 && current.stdout.isEmpty, "\(current.stdout)")
    }

    /// No token or a wrong one: 401 with kube-apiserver's Status body. A token rotated on disk is
    /// the only one accepted from the next request on.
    @Test func wrongTokenGets401WithStatus() throws {
        let node = try ReconcileNode(tag: "k401")
        defer { node.shutdown() }
        let server = try KubeTestAPIServer(namespace: node.namespace, directory: node.directory)
        defer { server.kill() }
        let unauthorized = #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}"#
        for token in ["wrong", ""] {
            let result = server.curl("/api/v1/nodes", token: token, extra: ["-w", "\n%{http_code} %{content_type}"])
            #expect(result.stdout == unauthorized + "\n401 application/json", "token '\(token)': \(result.stdout)")
        }
        #expect(server.curl("/api/v1/nodes", extra: ["-f"]).status == 0)

        let old = server.token
        try server.rotateToken(to: "test-token-2")
        #expect(server.curl("/api/v1/nodes", token: old, extra: ["-w", "%{http_code}", "-o", "/dev/null"]).stdout == "401")
        #expect(server.curl("/api/v1/nodes", extra: ["-w", "%{http_code}", "-o", "/dev/null"]).stdout == "200")
    }

    /// A client trusting another CA refuses the server (curl: 60, certificate problem); plain
    /// HTTP to the TLS port gets no API answer. A kubeconfig is written in kubectl's format.
    @Test func wrongCAIsRefused() throws {
        let node = try ReconcileNode(tag: "kca")
        defer { node.shutdown() }
        let server = try KubeTestAPIServer(namespace: node.namespace, directory: node.directory)
        defer { server.kill() }
        let refused = server.curl("/api/v1/nodes", ca: server.certificates.otherCA)
        #expect(refused.status == 60, "curl with the wrong CA: \(refused.status) \(refused.stderr)")
        #expect(server.curl("/api/v1/nodes", extra: ["-f"]).status == 0)
        let plain = try Shell.run(["ip", "netns", "exec", node.namespace, "curl", "-s", "-m", "3",
                                   "http://127.0.0.1:\(server.port)/api/v1/nodes"], check: false)
        #expect(!plain.stdout.contains("NodeList"))
        #expect(eventually(timeout: 2) { (try? server.stats().tlsFailures) ?? 0 >= 2 } != nil)

        let kubeconfig = try server.writeKubeconfig(token: .file(server.tokenFile))
        let text = try String(contentsOfFile: kubeconfig, encoding: .utf8)
        #expect(text.contains("current-context: netplan-flannel@kube-test"))
        #expect(text.contains("certificate-authority: \(server.certificates.ca)"))
        #expect(text.contains("server: https://127.0.0.1:\(server.port)"))
        #expect(text.contains("tokenFile: \(server.tokenFile)"))
    }

    /// Faults answer as configured (401/403/500 with Status bodies, garbage with 200, hang with
    /// nothing) for the scope and count given, and stop when cleared; the server killed and
    /// started again serves on the same port, with the nodes it is given again.
    @Test func faultsAndRestart() throws {
        let node = try ReconcileNode(tag: "kfault")
        defer { node.shutdown() }
        let server = try KubeTestAPIServer(namespace: node.namespace, directory: node.directory, bulk: 3)
        defer { server.kill() }
        func code(_ path: String = "/api/v1/nodes") -> String {
            server.curl(path, extra: ["-o", "/dev/null", "-w", "%{http_code}"], timeout: 2).stdout
        }
        for (fault, expected) in [(KubeTestAPIServer.Fault.unauthorized, "401"), (.forbidden, "403"), (.internalError, "500")] {
            try server.fault(fault, count: 1)
            let answer = server.curl("/api/v1/nodes")
            #expect(answer.stdout.contains(#""kind":"Status""#) && answer.stdout.contains(#""code":\#(expected)"#), "\(answer.stdout)")
            #expect(code() == "200", "a fault with count 1 must hit one request only")
        }
        try server.fault(.garbage, scope: .watch)
        #expect(code() == "200")
        let garbage = server.curl("/api/v1/nodes?watch=1&resourceVersion=0&timeoutSeconds=1")
        #expect(garbage.stdout.hasPrefix("<html>"), "\(garbage.stdout.prefix(100))")
        try server.fault(.hang)
        let hung = server.curl("/api/v1/nodes", timeout: 1)
        #expect(hung.status == 28, "a hung request must time out in curl: \(hung.status)")
        try server.fault(nil)
        #expect(code() == "200")
        let stats = try server.stats()
        #expect(stats.count("list", 403) == 1 && stats.byKind["list hang"] == 1, "\(stats.byKind)")

        let port = server.port
        server.kill()
        #expect(server.curl("/version").status != 0)
        try server.start()
        #expect(server.port == port)
        #expect(code("/api/v1/nodes/node-00003") == "200")
    }

    // MARK: - Helpers

    struct WatchEvent {
        var type: String
        var object: [String: Any]
        var metadata: [String: Any] { object["metadata"] as? [String: Any] ?? [:] }
        var resourceVersion: Int { Int(metadata["resourceVersion"] as? String ?? "") ?? -1 }
        func annotation(_ key: String) -> String? { (metadata["annotations"] as? [String: String])?[key] }
    }

    /// The complete JSON lines of a watch stream.
    static func events(_ text: String) -> [WatchEvent] {
        text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let type = object["type"] as? String else { return nil }
            return WatchEvent(type: type, object: object["object"] as? [String: Any] ?? [:])
        }
    }

    /// curl following a watch in the namespace; the stream goes to the process's log.
    func watchProcess(_ server: KubeTestAPIServer, _ path: String) throws -> BackgroundProcess {
        try BackgroundProcess(namespace: server.namespace, [
            "curl", "-s", "-N", "--cacert", server.certificates.ca, "-H", "Authorization: Bearer \(server.token)", server.url + path,
        ], logName: "watch")
    }
}
