import NetState
import Testing

@testable import Desired

@Suite("LeaseReader: the three lease formats")
struct LeaseReaderTests {
    private func parse(_ text: String, source: String = "leases.json") throws(InputError) -> [Lease] {
        try LeaseReader.parse(text.bytes, source: source)
    }

    @Test("etcdctl -w json: base64 keys and values decode to the seed's six leases; the config key is skipped")
    func etcdctl() throws {
        let leases = try parse(InputFixtures.etcdctlJSON)
        let expected = try InputFixtures.expectedLeases(keyedBy: { InputFixtures.etcdKey($0.subnet) }, named: false)
        #expect(leases == expected)
        #expect(leases.map(\.key).first == "/coreos.com/network/subnets/10.244.0.0-24")
        #expect(leases.map(\.displayName)[1] == "/coreos.com/network/subnets/10.244.1.0-24")
    }

    @Test("etcdctl output with nothing under the prefix has no kvs: no leases")
    func etcdctlEmpty() throws {
        let leases = try parse(#"{"header":{"cluster_id":14841639068965178418,"member_id":10276657743932975437,"revision":42,"raft_term":3}}"#)
        #expect(leases.isEmpty)
    }

    @Test("etcdctl: a host-gw lease (no BackendData, PublicIPv6 null) and a dual-stack key")
    func etcdctlHostGWDualStack() throws {
        // key: /coreos.com/network/subnets/10.244.7.0-24&fc00:0:0:7::-64
        // value: {"PublicIP":"172.22.0.99","PublicIPv6":"fc00::99","BackendType":"host-gw"}
        let leases = try parse("""
            {"header":{"revision":9},"kvs":[{"key":"L2NvcmVvcy5jb20vbmV0d29yay9zdWJuZXRzLzEwLjI0NC43LjAtMjQmZmMwMDowOjA6Nzo6LTY0",\
            "value":"eyJQdWJsaWNJUCI6IjE3Mi4yMi4wLjk5IiwiUHVibGljSVB2NiI6ImZjMDA6Ojk5IiwiQmFja2VuZFR5cGUiOiJob3N0LWd3In0="}],"count":1}
            """)
        #expect(
            leases == [
                Lease(
                    key: "/coreos.com/network/subnets/10.244.7.0-24&fc00:0:0:7::-64",
                    subnet: try #require(IPv4Prefix("10.244.7.0/24")), publicIP: try #require(IPv4Address("172.22.0.99")),
                    backendType: .hostGW, subnet6: IPv6Prefix("fc00:0:0:7::/64"), publicIPv6: IPv6Address("fc00::99"))
            ])
    }

    @Test("a keyed JSON object keeps the file's order; leases may be objects or JSON strings")
    func keyedObject() throws {
        let leases = try parse("""
            {
              "/coreos.com/network/subnets/10.244.3.0-24": {"PublicIP":"172.22.0.76","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"9e:0b:4f:d1:23:7a"}},
              "/coreos.com/network/config": {"Network": "10.244.0.0/16", "Backend": {"Type": "vxlan"}},
              "/coreos.com/network/subnets/10.244.0.0-24": "{\\"PublicIP\\":\\"172.22.0.239\\",\\"PublicIPv6\\":null,\\"BackendType\\":\\"vxlan\\",\\"BackendData\\":{\\"VNI\\":1,\\"VtepMAC\\":\\"7a:91:2c:3e:5f:01\\"}}",
              "/coreos.com/network/subnets/10.244.5.0-24": {"PublicIP":"172.22.0.64","BackendType":"host-gw"}
            }
            """)
        #expect(leases.map(\.key) == [
            "/coreos.com/network/subnets/10.244.3.0-24", "/coreos.com/network/subnets/10.244.0.0-24",
            "/coreos.com/network/subnets/10.244.5.0-24",
        ])
        #expect(leases[0].vtepMAC == MACAddress("9e:0b:4f:d1:23:7a"))
        #expect(leases[0].vni == 1)
        #expect(leases[1].publicIP == IPv4Address("172.22.0.239"))
        #expect(leases[1].vtepMAC == MACAddress("7a:91:2c:3e:5f:01"))
        #expect(leases[2].backendType == .hostGW)
        #expect(leases[2].vtepMAC == nil)
        #expect(leases[2].vni == nil)
    }

    @Test("an empty keyed object is an empty lease list")
    func emptyObject() throws {
        #expect(try parse("{}").isEmpty)
    }

    @Test("lease JSON keys match case-insensitively; an absent BackendType is nil")
    func leaseKeysCaseInsensitive() throws {
        let leases = try parse("""
            {"/coreos.com/network/subnets/10.244.1.0-24": {"publicip": "172.22.1.176", "BACKENDDATA": {"vni": 1, "vtepmac": "C6:D2:32:6F:8F:44"}}}
            """)
        #expect(leases.count == 1)
        #expect(leases.first?.publicIP == IPv4Address("172.22.1.176"))
        #expect(leases.first?.backendType == nil)
        #expect(leases.first?.vtepMAC == MACAddress("c6:d2:32:6f:8f:44"))
        #expect(leases.first?.nodeName == nil)
    }

    @Test("kubectl get nodes -o json: the six managed nodes, unmanaged ones skipped, the dual-stack node's two halves")
    func kubectlNodes() throws {
        let leases = try parse(InputFixtures.kubectlNodesJSON, source: "nodes.json")
        var expected = try InputFixtures.expectedLeases(keyedBy: { "node/\($0.name)" }, named: true)
        // k8s-node5: podCIDRs ["10.244.5.0/24", "fd00:10:244:5::/64"], public-ipv6, backend-v6-data.
        expected[5].subnet6 = IPv6Prefix("fd00:10:244:5::/64")
        expected[5].publicIPv6 = IPv6Address("fd00::40")
        expected[5].vtepMAC6 = MACAddress("ae:13:5b:70:2e:c9")
        expected[5].vni6 = 1
        #expect(leases == expected)
        #expect(!leases.contains { $0.key == "node/virtual-kubelet" || $0.key == "node/edge-gw" })
        #expect(leases.last?.subnet == IPv4Prefix("10.244.5.0/24"))
        #expect(leases.first?.displayName == "node/k8s-master")
    }

    @Test("kubectl: a NodeList, a single Node, host-gw with backend-data null, podCIDRs with IPv6 first (no public-ipv6: flannel runs IPv4 only)")
    func kubectlVariants() throws {
        let node = """
            {"kind": "Node", "metadata": {"name": "w1", "annotations": {
              "flannel.alpha.coreos.com/kube-subnet-manager": "true",
              "flannel.alpha.coreos.com/backend-type": "host-gw",
              "flannel.alpha.coreos.com/backend-data": "null",
              "flannel.alpha.coreos.com/public-ip": "172.22.0.10"}},
             "spec": {"podCIDR": "fd00:10:244:8::/64", "podCIDRs": ["fd00:10:244:8::/64", "10.244.8.0/24"]}}
            """
        let expected = Lease(
            key: "node/w1", nodeName: "w1", subnet: try #require(IPv4Prefix("10.244.8.0/24")),
            publicIP: try #require(IPv4Address("172.22.0.10")), backendType: .hostGW, subnet6: IPv6Prefix("fd00:10:244:8::/64"))
        #expect(try parse(node) == [expected])
        #expect(try parse(#"{"kind": "NodeList", "apiVersion": "v1", "items": [\#(node)]}"#) == [expected])
        #expect(try parse(#"{"kind": "List", "items": []}"#).isEmpty)
    }
}
