import Foundation
import NetState
import Testing

@testable import Desired

/// The IPv6 half of leases in every format, shaped as flannel v0.20.2 writes them: etcd keys
/// `10.244.1.0-24&fd00:10:244:1::-64` (`subnet/subnet.go:137–143` `MakeSubnetKey`, as in its
/// `subnet_test.go` `TestSubnetNodev6`), values from `json.Marshal(LeaseAttrs)` (field order
/// PublicIP, PublicIPv6, BackendType, BackendData, BackendV6Data), and nodes annotated by
/// `kube.go:337–364`.
@Suite("LeaseReader: dual-stack and IPv6-only leases")
struct LeaseReaderDualStackTests {
    typealias D = KubeNodeDocuments

    private func parse(_ text: String, source: String = "leases.json") throws(InputError) -> [Lease] {
        try LeaseReader.parse(Array(text.utf8), source: source)
    }

    static let key1 = "/coreos.com/network/subnets/10.244.1.0-24&fd00:10:244:1::-64"
    static let value1 = #"{"PublicIP":"192.168.64.11","PublicIPv6":"fd00:192:168:64::11","BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"6e:2c:7d:1b:8f:3a"},"BackendV6Data":{"VNI":1,"VtepMAC":"b2:4e:91:0a:c7:15"}}"#
    static let lease1 = Lease(
        key: key1, subnet: IPv4Prefix("10.244.1.0/24"), publicIP: IPv4Address("192.168.64.11"), backendType: .vxlan,
        vtepMAC: MACAddress("6e:2c:7d:1b:8f:3a"), vni: 1, subnet6: IPv6Prefix("fd00:10:244:1::/64"),
        publicIPv6: IPv6Address("fd00:192:168:64::11"), vtepMAC6: MACAddress("b2:4e:91:0a:c7:15"), vni6: 1)

    @Test("etcdctl -w json: '&' keys give both halves; a key without one is IPv4 only")
    func etcdctl() throws {
        func kv(_ key: String, _ value: String, _ revision: Int) -> String {
            #"{"key":"\#(Data(key.utf8).base64EncodedString())","create_revision":\#(revision),"mod_revision":\#(revision),"version":1,"value":"\#(Data(value.utf8).base64EncodedString())","lease":7587869139475046\#(400 + revision)}"#
        }
        let config = #"{"EnableIPv6":true,"Network":"10.244.0.0/16","IPv6Network":"fd00:10:244::/56","Backend":{"Type":"vxlan"}}"#
        let hostGW = #"{"PublicIP":"192.168.64.12","PublicIPv6":"fd00:192:168:64::12","BackendType":"host-gw"}"#
        let ipv4Only = #"{"PublicIP":"192.168.64.13","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"6e:2c:7d:1b:8f:3c"}}"#
        let text = #"{"header":{"cluster_id":14841639068965178418,"member_id":10276657743932975437,"revision":57,"raft_term":3},"kvs":["#
            + [
                kv("/coreos.com/network/config", config, 2), kv(Self.key1, Self.value1, 5),
                kv("/coreos.com/network/subnets/10.244.2.0-24&fd00:10:244:2::-64", hostGW, 6),
                kv("/coreos.com/network/subnets/10.244.3.0-24", ipv4Only, 7),
            ].joined(separator: ",") + #"],"count":4}"#
        let leases = try parse(text)
        #expect(leases == [
            Self.lease1,
            Lease(
                key: "/coreos.com/network/subnets/10.244.2.0-24&fd00:10:244:2::-64", subnet: IPv4Prefix("10.244.2.0/24"),
                publicIP: IPv4Address("192.168.64.12"), backendType: .hostGW, subnet6: IPv6Prefix("fd00:10:244:2::/64"),
                publicIPv6: IPv6Address("fd00:192:168:64::12")),
            Lease(
                key: "/coreos.com/network/subnets/10.244.3.0-24", subnet: IPv4Prefix("10.244.3.0/24"),
                publicIP: IPv4Address("192.168.64.13"), backendType: .vxlan, vtepMAC: MACAddress("6e:2c:7d:1b:8f:3c"), vni: 1),
        ])
        #expect(leases[0].half(.inet6)?.subnet == .v6(IPv6Prefix("fd00:10:244:1::/64")!))
        #expect(leases[2].half(.inet6) == nil)
    }

    @Test("keyed object: '&' keys with object and string leases, a /0 IPv6 half, and the key written back as flannel writes it")
    func keyedObject() throws {
        let escaped = Self.value1.replacingOccurrences(of: "\"", with: "\\\"")
        let leases = try parse("""
            {
              "\(Self.key1)": "\(escaped)",
              "/coreos.com/network/subnets/10.244.2.0-24&fd00:10:244:2::-64": {"PublicIP":"192.168.64.12","PublicIPv6":"fd00:192:168:64::12","BackendType":"host-gw"},
              "/run/flannel/subnets/10.244.4.0-24&::-0": {"PublicIP":"192.168.64.14","PublicIPv6":"fd00::14"}
            }
            """)
        #expect(leases.first == Self.lease1)
        #expect(leases[1].subnet6 == IPv6Prefix("fd00:10:244:2::/64") && leases[1].vtepMAC6 == nil)
        #expect(leases[2].subnet6 == IPv6Prefix("::/0"), "flannel's pattern takes ::-0; the screening judges it")
        #expect(leases.compactMap { $0.subnet6?.leaseKey } == ["fd00:10:244:1::-64", "fd00:10:244:2::-64", "::-0"])
    }

    @Test("a key without an IPv6 half: PublicIPv6 is still decoded (Go decodes every field), BackendV6Data is not read")
    func noIPv6Half() throws {
        let leases = try parse(#"""
            {"/coreos.com/network/subnets/10.244.1.0-24": {"PublicIP":"192.168.64.11","PublicIPv6":"fd00::11","BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"6e:2c:7d:1b:8f:3a"},"BackendV6Data":"not read"}}
            """#)
        #expect(leases.first?.subnet6 == nil)
        #expect(leases.first?.publicIPv6 == IPv6Address("fd00::11"))
        #expect(leases.first?.vtepMAC6 == nil)
        #expect(leases.first?.half(.inet6) == nil)
    }

    @Test("PublicIPv6 holding an IPv4 text reads as Go's net.ParseIP reads it: IPv4-mapped, for the screening to refuse")
    func ipv4TextInPublicIPv6() throws {
        let leases = try parse(#"{"\#(Self.key1)": {"PublicIP":"192.168.64.11","PublicIPv6":"192.168.64.11"}}"#)
        let mapped = try #require(leases.first?.publicIPv6)
        #expect(mapped == IPv6Address(mapping: IPv4Address("192.168.64.11")!))
        #expect(mapped.nonUnicastReason == "in ::ffff:0:0/96 (IPv4-mapped)")
    }

    @Test("kubectl: dual-stack nodes with podCIDRs in either order read the same two halves")
    func kubectlEitherOrder() throws {
        let v4First = D.node(podCIDRs: ["10.244.1.0/24", "fd00:10:244:1::/64"], publicIPv6: "fd00:192:168:64::11")
        let v6First = D.node(
            podCIDR: "fd00:10:244:1::/64", podCIDRs: ["fd00:10:244:1::/64", "10.244.1.0/24"], publicIPv6: "fd00:192:168:64::11")
        let expected = Lease(
            key: "node/worker-1", nodeName: "worker-1", subnet: IPv4Prefix("10.244.1.0/24"), publicIP: IPv4Address("192.168.64.11"),
            backendType: .vxlan, vtepMAC: MACAddress("6e:2c:7d:1b:8f:3a"), vni: 1, subnet6: IPv6Prefix("fd00:10:244:1::/64"),
            publicIPv6: IPv6Address("fd00:192:168:64::11"), vtepMAC6: MACAddress("b2:4e:91:0a:c7:15"), vni6: 1)
        #expect(try parse(#"{"kind":"NodeList","apiVersion":"v1","metadata":{"resourceVersion":"48990"},"items":[\#(v4First)]}"#) == [expected])
        #expect(try parse(v6First) == [expected])
    }

    @Test("kubectl: an IPv6-only vxlan node (one IPv6 podCIDR, no IPv4 annotations) is a lease with only its IPv6 half")
    func kubectlIPv6Only() throws {
        let node = D.node(podCIDR: "fd00:10:244:3::/64", publicIP: nil, publicIPv6: "fd00:192:168:64::13")
        let lease = try #require(try parse(node).first)
        #expect(lease.subnet == nil && lease.publicIP == nil && lease.vtepMAC == nil)
        #expect(lease.half(.inet) == nil)
        #expect(
            lease.half(.inet6)
                == LeaseHalf(
                    subnet: .v6(IPv6Prefix("fd00:10:244:3::/64")!), publicIP: .v6(IPv6Address("fd00:192:168:64::13")!),
                    vtepMAC: MACAddress("b2:4e:91:0a:c7:15"), vni: 1))
    }

    @Test("kubectl: an IPv6-only host-gw node, podCIDR alone (podCIDRs empty), public-ip 0.0.0.0 and backend-data null as flanneld writes them")
    func kubectlIPv6OnlyHostGW() throws {
        let node = #"""
            {"kind":"Node","metadata":{"name":"w6","annotations":{"flannel.alpha.coreos.com/backend-data":"null","flannel.alpha.coreos.com/backend-type":"host-gw","flannel.alpha.coreos.com/backend-v6-data":"null","flannel.alpha.coreos.com/kube-subnet-manager":"true","flannel.alpha.coreos.com/public-ip":"0.0.0.0","flannel.alpha.coreos.com/public-ipv6":"fd00:192:168:64::16"}},"spec":{"podCIDR":"fd00:10:244:6::/64","podCIDRs":[]}}
            """#
        #expect(try parse(node) == [
            Lease(
                key: "node/w6", nodeName: "w6", subnet: nil, publicIP: IPv4Address("0.0.0.0"), backendType: .hostGW,
                subnet6: IPv6Prefix("fd00:10:244:6::/64"), publicIPv6: IPv6Address("fd00:192:168:64::16")),
        ])
    }

    @Test("kubectl: flannel IPv6-only on a dual-stack cluster (no public-ip): the IPv4 half has no address, for the screening")
    func kubectlDualStackWithoutPublicIP() throws {
        let node = D.node(podCIDRs: ["10.244.1.0/24", "fd00:10:244:1::/64"], publicIP: nil, publicIPv6: "fd00:192:168:64::11")
        let lease = try #require(try parse(node).first)
        #expect(lease.half(.inet) == LeaseHalf(subnet: .v4(IPv4Prefix("10.244.1.0/24")!), publicIP: nil, vtepMAC: nil, vni: nil))
        #expect(lease.half(.inet6)?.publicIP == .v6(IPv6Address("fd00:192:168:64::11")!))
    }

    @Test("kubectl: the node's own public-ipv6 is read, never public-ipv6-overwrite (flanneld copies that into public-ipv6)")
    func kubectlOverwriteIsNotRead() throws {
        let node = D.node(podCIDRs: ["10.244.1.0/24", "fd00:10:244:1::/64"], publicIPv6: "fd00:192:168:64::11")
            .replacingOccurrences(
                of: #""flannel.alpha.coreos.com/public-ipv6":"#,
                with: #""flannel.alpha.coreos.com/public-ipv6-overwrite":"fd00:ffff::1","flannel.alpha.coreos.com/public-ipv6":"#)
        #expect(node.contains("public-ipv6-overwrite"))
        #expect(try parse(node).first?.publicIPv6 == IPv6Address("fd00:192:168:64::11"))
    }

    @Test("the IPv6 half of a node the API reader skims is the one the kubectl reader reads")
    func apiReaderAgrees() throws {
        let node = D.node(podCIDRs: ["fd00:10:244:1::/64", "10.244.1.0/24"], publicIPv6: "fd00:192:168:64::11", kind: false)
        let page = #"{"kind":"NodeList","metadata":{"resourceVersion":"1"},"items":["# + node + "]}"
        let skimmed = try Array(page.utf8).withUnsafeBytes {
            try KubeAPIReader.listPage($0, source: "api", prefix: .flannel)
        }
        #expect(skimmed.nodes.first?.outcome == .lease(try #require(try parse(page).first)))
        #expect(try parse(page).first?.vtepMAC6 == MACAddress("b2:4e:91:0a:c7:15"))
    }
}
