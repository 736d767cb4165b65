import Foundation
import Testing

/// Issue 14 with the Kubernetes API as the lease source: nodes carry their second `podCIDRs`
/// entry and flannel's `public-ipv6` and `backend-v6-data` annotations (v0.20.2
/// `subnet/kube/kube.go:436–505`, `annotations.go:60–70`), the agents run `reconcile
/// --kube-subnet-mgr` against the test API server, and pods ping each other over IPv6. An
/// IPv6-only cluster (`EnableIPv4: false`, nodes with an IPv6 podCIDR only and no IPv4
/// annotations), which exists in kube mode only, works the same way.
@Suite(.enabled(if: KernelTestEnvironment.isRoot && KubeTestAPIServer.isAvailable, "needs root, python3 and openssl"))
struct ReconcileKubeDualStackTests {
    typealias KubeCluster = ReconcileKubeClusterTests.KubeCluster
    static let prefix = "flannel.alpha.coreos.com/"

    /// Registers node `index` as flanneld leaves a dual-stack (or, `ipv6Only`, an IPv6-only)
    /// node: both podCIDRs, the IPv6 annotations beside the IPv4 ones (or instead of them).
    static func register(_ kube: KubeCluster, _ index: Int, ipv6Only: Bool = false, vtepMAC6: String? = nil) throws {
        let node = try kube.cluster.node(index)
        var annotations: [String: Any] = [
            prefix + "public-ipv6": node.publicIPv6,
            prefix + "backend-v6-data": #"{"VNI":1,"VtepMAC":"\#(vtepMAC6 ?? node.vtepMAC6)"}"#,
        ]
        if ipv6Only {
            annotations[prefix + "public-ip"] = NSNull()
            annotations[prefix + "backend-data"] = NSNull()
        }
        try kube.server.addNode(
            node.name, podCIDR: ipv6Only ? node.leaseSubnet6 : node.leaseSubnet, publicIP: node.publicIP, vtepMAC: node.vtepMAC,
            extra: [
                "internalIP": node.publicIP, "annotations": annotations,
                "podCIDRs": ipv6Only ? [node.leaseSubnet6] : [node.leaseSubnet, node.leaseSubnet6],
            ]
        )
    }

    static func podsReachEachOtherOverIPv6(_ kube: KubeCluster, _ members: [Int]) throws -> Bool {
        for from in members {
            for to in members where to != from {
                let destination = try kube.cluster.node(to).podIPv6
                if try !NamespaceCluster.canPing(namespace: kube.cluster.node(from).podNamespace, destination: destination, count: 1, timeout: 1) {
                    return false
                }
            }
        }
        return true
    }

    func neighbours6(_ kube: KubeCluster, _ index: Int) -> String {
        (try? kube.cluster.ip(node: index, ["-6", "neigh", "show", "dev", "flannel-v6.1"], check: false).stdout) ?? ""
    }

    @Test func dualStackNodesFromTheAPIConnectBothFamiliesAndFollowAnIPv6VtepMACChange() throws {
        let kube = try KubeCluster(members: [1, 2, 3], dualStack: true)
        defer { kube.shutdown() }
        for index in [1, 2, 3] { try Self.register(kube, index) }
        for index in [1, 2, 3] { try kube.startAgent(index) }
        let listed = eventually(timeout: 20, poll: 0.1) {
            (try? kube.allPodsReachEachOther([1, 2, 3])) == true && (try? Self.podsReachEachOtherOverIPv6(kube, [1, 2, 3])) == true
        }
        try #require(listed != nil, "pods do not reach each other over both families after the initial list:\n\(kube.logs())")

        // n2's IPv6 device came back with another MAC: only backend-v6-data changes.
        let newMAC = "0e:00:00:00:22:06"
        try kube.server.setAnnotations("n2", [Self.prefix + "backend-v6-data": #"{"VNI":1,"VtepMAC":"\#(newMAC)"}"#])
        let moved = kube.seconds { neighbours6(kube, 1).contains("lladdr \(newMAC)") && neighbours6(kube, 3).contains("lladdr \(newMAC)") }
        #expect(moved.map { $0 < 1 } == true, "IPv6 VtepMAC change reached n1 and n3 after \(String(describing: moved)) s\n\(kube.logs())")
        let device = try kube.cluster.ip(node: 2, ["link", "show", "flannel-v6.1"]).stdout
        let recreated = eventually(timeout: 5, poll: 0.05) {
            ((try? kube.cluster.ip(node: 2, ["link", "show", "flannel-v6.1"]).stdout) ?? "").contains(newMAC)
        }
        #expect(recreated != nil, "n2's own flannel-v6.1 did not take its lease's new MAC: \(device)")
        let reachable = eventually(timeout: 5, poll: 0.1) { (try? Self.podsReachEachOtherOverIPv6(kube, [1, 2, 3])) == true }
        #expect(reachable != nil, "IPv6 pods unreachable after the VtepMAC change:\n\(kube.logs())")
        #expect(try kube.allPodsReachEachOther([1, 2, 3]), "IPv4 pods unreachable after the IPv6 VtepMAC change")
        print("kube dual-stack: IPv6 VtepMAC changed -> neighbours in \(moved.map { String(format: "%.0f ms", $0 * 1000) } ?? "never")")
    }

    @Test func anIPv6OnlyClusterFromTheAPI() throws {
        let kube = try KubeCluster(members: [1, 2, 3], dualStack: true)
        defer { kube.shutdown() }
        let netConf = #"{"EnableIPv4": false, "EnableIPv6": true, "IPv6Network": "fd00:10:244::/56", "Backend": {"Type": "vxlan"}}"#
        try netConf.write(toFile: kube.scenario.netConfPath, atomically: true, encoding: .utf8)
        for index in [1, 2, 3] { try Self.register(kube, index, ipv6Only: true) }
        for index in [1, 2, 3] { try kube.startAgent(index) }
        let listed = eventually(timeout: 20, poll: 0.1) { (try? Self.podsReachEachOtherOverIPv6(kube, [1, 2, 3])) == true }
        try #require(listed != nil, "IPv6-only pods do not reach each other:\n\(kube.logs())")
        for index in [1, 2, 3] {
            #expect(try kube.cluster.ip(node: index, ["link", "show", "flannel.1"], check: false).status != 0, "n\(index) has flannel.1")
            #expect(kube.routes(index).isEmpty, "n\(index) has IPv4 pod routes: \(kube.routes(index))")
        }
        #expect(try !kube.cluster.canPing(fromPod: 1, toPod: 2, count: 1, timeout: 0.3), "IPv4 between pods works without IPv4 routes?")
    }
}
