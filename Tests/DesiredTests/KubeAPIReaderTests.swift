import NetState
import Testing

@testable import Desired

/// The API source's reader: list pages and watch lines of `/api/v1/nodes`, skimmed for the few
/// fields a lease is made of, and read into exactly the lease the `kubectl get nodes -o json`
/// reader (and so flannel's `nodeToLease`, v0.20.2 `subnet/kube/kube.go:436`) makes.
@Suite struct KubeAPIReaderTests {
    typealias D = KubeNodeDocuments
    let source = "https://10.96.0.1:443/api/v1/nodes"

    func withBytes<T>(_ text: String, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try Array(text.utf8).withUnsafeBytes(body)
    }

    func page(_ text: String) throws -> KubeAPIReader.ListPage {
        try withBytes(text) { try KubeAPIReader.listPage($0, source: source, prefix: .flannel) }
    }

    func event(_ text: String) throws -> KubeAPIReader.WatchEvent {
        try withBytes(text) { try KubeAPIReader.watchEvent($0, source: source, prefix: .flannel) }
    }

    @Test func aListPageGivesLeasesUnmanagedNodesAndBrokenOnes() throws {
        let items = [
            D.node(name: "worker-1", kind: false),
            D.node(name: "edge-1", podCIDR: "10.244.9.0/24", publicIP: "192.168.64.19", managed: false, kind: false),
            D.node(name: "worker-2", podCIDR: "10.244.2.0/24", publicIP: "192.168.64.12", vtepMAC: "6e:2c:7d:1b:8f:zz", kind: false),
        ]
        let text = #"{"kind":"NodeList","apiVersion":"v1","metadata":{"resourceVersion":"48990","continue":"eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6NDg5OTAsInN0YXJ0Ijoid29ya2VyLTJcdTAwMDAifQ","remainingItemCount":12},"items":["#
            + items.joined(separator: ",") + "]}"
        let page = try page(text)
        #expect(page.resourceVersion == "48990")
        #expect(page.continueToken?.hasPrefix("eyJ2Ij") == true)
        #expect(page.nodes.map(\.name) == ["worker-1", "edge-1", "worker-2"])
        let lease = Lease(
            key: "node/worker-1", nodeName: "worker-1", subnet: IPv4Prefix("10.244.1.0/24")!, publicIP: IPv4Address("192.168.64.11")!,
            backendType: .vxlan, vtepMAC: MACAddress("6e:2c:7d:1b:8f:3a"), vni: 1
        )
        #expect(page.nodes[0].outcome == .lease(lease))
        #expect(page.nodes[1].outcome == .unmanaged)
        guard case .rejected(let record) = page.nodes[2].outcome else {
            Issue.record("worker-2 should not parse: \(page.nodes[2].outcome)")
            return
        }
        #expect(record.key == "node/worker-2")
        #expect(record.subnet == IPv4Prefix("10.244.2.0/24"), "what can be read is kept, to protect the peer's objects")
        #expect(record.publicIP == IPv4Address("192.168.64.12"))
        #expect("\(record.error)".contains("VtepMAC"), "\(record.error)")
    }

    /// The skim and the whole-document reader agree on every node.
    @Test func theSkimReadsWhatTheKubectlReaderReads() throws {
        for node in [
            D.node(), D.node(podCIDRs: ["fd00:10:244:1::/64", "10.244.1.0/24"]), D.node(backendType: "host-gw"),
            D.node(managed: false), D.node(vtepMAC: "not-a-mac"),
            // Dual-stack and IPv6-only nodes (issue 14): the IPv6 annotations are under the
            // prefix the skim selects, and spec.podCIDRs is selected whole.
            D.node(podCIDRs: ["10.244.1.0/24", "fd00:10:244:1::/64"], publicIPv6: "fd00:192:168:64::11"),
            D.node(podCIDR: "fd00:10:244:1::/64", podCIDRs: ["fd00:10:244:1::/64", "10.244.1.0/24"], publicIPv6: "fd00::11"),
            D.node(podCIDR: "fd00:10:244:3::/64", publicIP: nil, publicIPv6: "fd00:192:168:64::13"),
            D.node(podCIDRs: ["10.244.1.0/24", "fd00:10:244:1::/64"], publicIP: nil, publicIPv6: "fd00::11"),
            D.node(podCIDRs: ["10.244.1.0/24", "fd00:10:244:1::/64"]),
            D.node(podCIDRs: ["10.244.1.0/24", "fd00:10:244:1::/64"], publicIPv6: "fd00::zz"),
            D.node(podCIDRs: ["10.244.1.0/24", "fd00:10:244:1::/64"], publicIPv6: "fd00::11", vtepMAC6: "b2:4e"),
            D.node(podCIDRs: ["10.244.1.0/24", "fd00:10:244:1::/64", "10.245.1.0/24"]),
        ] {
            let skimmed = try page(#"{"kind":"NodeList","metadata":{"resourceVersion":"1"},"items":["# + node + "]}").nodes[0].outcome
            let whole = try LeaseReader.read(Array(node.utf8), source: source)
            switch skimmed {
            case .lease(let lease): #expect(whole.leases == [lease])
            case .unmanaged: #expect(whole.leases.isEmpty && whole.rejected.isEmpty)
            case .rejected(let record): #expect(whole.rejected == [record])
            }
        }
    }

    @Test func watchLinesOfEveryType() throws {
        guard case .modified(let node, let version) = try event(#"{"type":"MODIFIED","object":"# + D.node(resourceVersion: "49001") + "}") else {
            Issue.record("not MODIFIED")
            return
        }
        #expect(node.name == "worker-1" && version == "49001")
        guard case .lease(let lease) = node.outcome else { Issue.record("no lease"); return }
        #expect(lease.vtepMAC == MACAddress("6e:2c:7d:1b:8f:3a"))
        guard case .deleted(let gone, _) = try event(#"{"type":"DELETED","object":"# + D.node(name: "worker-9") + "}") else {
            Issue.record("not DELETED")
            return
        }
        #expect(gone.name == "worker-9")
        let bookmark = #"{"type":"BOOKMARK","object":{"kind":"Node","apiVersion":"v1","metadata":{"resourceVersion":"49120","creationTimestamp":null}}}"#
        guard case .bookmark(let resume) = try event(bookmark) else { Issue.record("not BOOKMARK"); return }
        #expect(resume == "49120")
        let expired = #"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 100 (48213)","reason":"Expired","code":410}}"#
        guard case .error(let status) = try event(expired) else { Issue.record("not ERROR"); return }
        #expect(status == KubeAPIReader.Status(code: 410, reason: "Expired", message: "too old resource version: 100 (48213)"))
    }

    /// Two heartbeats of one node differ in resourceVersion and timestamps only: the same lease.
    @Test func aHeartbeatReadsAsTheSameLease() throws {
        let first = try event(#"{"type":"MODIFIED","object":"# + D.node(resourceVersion: "5", heartbeat: "2026-11-30T10:41:27Z") + "}")
        let second = try event(#"{"type":"MODIFIED","object":"# + D.node(resourceVersion: "6", heartbeat: "2026-11-30T10:41:37Z") + "}")
        guard case .modified(let a, _) = first, case .modified(let b, _) = second else { Issue.record("not MODIFIED"); return }
        #expect(a == b)
    }

    @Test func aStatusBodyIsRead() {
        let body = #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}"#
        #expect(withBytes(body) { KubeAPIReader.status($0) } == KubeAPIReader.Status(code: 401, reason: "Unauthorized", message: "Unauthorized"))
        #expect(withBytes("<html>502 Bad Gateway</html>") { KubeAPIReader.status($0) } == nil)
    }

    @Test(arguments: [
        (#"{"type":"MODIFIED","object":{"metadata":{"name":"a"},"status":{"images":[1,2,"#, "unexpected end of input"),
        (#"{"type":"ADDED","object":{"metadata":{"name":"a"},"status":"\#u{01}"}}"#, "control character"),
        (#"{"type":"RESYNC","object":{}}"#, "is not a watch event type"),
        (#"{"object":{}}"#, "type"),
        (#"{"type":"ADDED","object":{"metadata":{}}}"#, "metadata.name"),
        (#"{"type":"BOOKMARK","object":{"metadata":{}}}"#, "resourceVersion"),
        (#"[1]"#, "expected a JSON object"),
        (#"{"type":"ADDED","object":{"metadata":{"name":"a"},"status":"# + String(repeating: "[", count: 600) + "}}", "nesting deeper"),
    ])
    func hostileWatchLinesAreRefusedNamingTheSource(_ line: String, _ words: String) {
        #expect {
            _ = try event(line)
        } throws: { error in
            let text = "\(error)"
            return text.contains(source) && text.contains(words)
        }
    }

    @Test(arguments: [
        (#"{"kind":"NodeList","metadata":{},"items":[]}"#, "resourceVersion"),
        (#"{"kind":"PodList","metadata":{"resourceVersion":"1"},"items":[]}"#, "NodeList"),
        (#"{"kind":"NodeList","metadata":{"resourceVersion":"1"}}"#, "items"),
    ])
    func brokenListPagesAreRefused(_ text: String, _ words: String) {
        #expect { _ = try page(text) } throws: { "\($0)".contains(words) }
    }

    /// flannel's own cases (v0.20.2 `subnet/kube/annotations_test.go`).
    @Test(arguments: [
        ("flannel.alpha.coreos.com", "flannel.alpha.coreos.com/"), ("flannel.alpha.coreos.com/", "flannel.alpha.coreos.com/"),
        ("flannel.alpha.coreos.com/prefix", "flannel.alpha.coreos.com/prefix-"),
        ("flannel.alpha.coreos.com/prefix-", "flannel.alpha.coreos.com/prefix-"), ("org.com", "org.com/"),
        ("org9.com", "org9.com/"), ("org.com/9", "org.com/9-"),
    ])
    func annotationPrefixesAsFlannelMakesThem(_ flag: String, _ text: String) throws {
        #expect(try KubeAnnotationPrefix(flag).text == text)
    }

    @Test(arguments: ["org", "org/", "org/prefix", "org.COM", "org.com/PREFIX", "a.b/c/d"])
    func annotationPrefixesFlannelRefuses(_ flag: String) {
        #expect { _ = try KubeAnnotationPrefix(flag) } throws: { "\($0)".contains("--kube-annotation-prefix") }
    }

    /// Another prefix reads other annotations, and flannel's default ones are then not the lease.
    @Test func anotherPrefixReadsItsOwnAnnotations() throws {
        let node = D.node().replacingOccurrences(of: "flannel.alpha.coreos.com/", with: "example.com/net-")
        let prefix = try KubeAnnotationPrefix("example.com/net")
        let outcome = try withBytes(#"{"type":"ADDED","object":"# + node + "}") {
            try KubeAPIReader.watchEvent($0, source: source, prefix: prefix)
        }
        guard case .added(let read, _) = outcome, case .lease(let lease) = read.outcome else { Issue.record("\(outcome)"); return }
        #expect(lease.publicIP == IPv4Address("192.168.64.11"))
        #expect(try event(#"{"type":"ADDED","object":"# + node + "}").isUnmanaged)
    }
}

extension KubeAPIReader.WatchEvent {
    var isUnmanaged: Bool {
        if case .added(let node, _) = self { return node.outcome == .unmanaged }
        return false
    }
}
