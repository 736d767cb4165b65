import NetState
import Testing

@testable import Desired

/// One record that does not parse is kept aside with what could be read of it, and the others
/// are read on: a peer is skipped, never the whole file.
@Suite struct RejectedLeaseTests {
    static let good = #""/coreos.com/network/subnets/10.244.1.0-24": {"PublicIP": "172.22.0.11", "BackendType": "vxlan", "BackendData": {"VNI": 1, "VtepMAC": "0e:00:00:00:00:01"}}"#

    @Test func aBadPublicIPKeepsTheRecordsSubnetAndVtepMAC() throws {
        let text = #"{\#(Self.good), "/coreos.com/network/subnets/10.244.2.0-24": {"PublicIP": "172.22.0.twelve", "BackendData": {"VtepMAC": "0e:00:00:00:00:02"}}}"#
        let reading = try LeaseReader.read(Array(text.utf8), source: "leases.json")
        #expect(reading.leases.map(\.key) == ["/coreos.com/network/subnets/10.244.1.0-24"])
        let record = try #require(reading.rejected.first)
        #expect(record.subnet == IPv4Prefix("10.244.2.0/24"))
        #expect(record.publicIP == nil)
        #expect(record.vtepMAC == MACAddress("0e:00:00:00:00:02"))
        #expect(record.error.description.hasPrefix("leases.json: /coreos.com/network/subnets/10.244.2.0-24: PublicIP: expected an IPv4 address"))
    }

    @Test func aBadVtepMACKeepsThePublicIP() throws {
        let text = #"{\#(Self.good), "/coreos.com/network/subnets/10.244.2.0-24": "{\"PublicIP\": \"172.22.0.12\", \"BackendData\": {\"VtepMAC\": \"0e:zz\"}}"}"#
        let reading = try LeaseReader.read(Array(text.utf8), source: "leases.json")
        #expect(reading.rejected.first?.publicIP == IPv4Address("172.22.0.12"))
        #expect(reading.rejected.first?.vtepMAC == nil)
    }

    @Test func aBrokenNodeAnnotationKeepsTheNodesNameCIDRAndAddress() throws {
        let text = #"""
            {"kind": "List", "items": [{"kind": "Node", "metadata": {"name": "n9", "annotations": {
              "flannel.alpha.coreos.com/kube-subnet-manager": "true", "flannel.alpha.coreos.com/public-ip": "172.22.0.9",
              "flannel.alpha.coreos.com/backend-type": "vxlan", "flannel.alpha.coreos.com/backend-data": "{\"VtepMAC\": 7}"}},
              "spec": {"podCIDR": "10.244.9.0/24"}}]}
            """#
        let reading = try LeaseReader.read(Array(text.utf8), source: "nodes.json")
        let record = try #require(reading.rejected.first)
        #expect(reading.leases.isEmpty)
        #expect(record.key == "node/n9" && record.nodeName == "n9")
        #expect(record.subnet == IPv4Prefix("10.244.9.0/24"))
        #expect(record.publicIP == IPv4Address("172.22.0.9"))
    }

    @Test func aBadIPv6KeyHalfKeepsTheIPv4SubnetAndEveryAddressAndMAC() throws {
        let key = "/coreos.com/network/subnets/10.244.2.0-24&FD00:10:244:2::-64"
        let text = #"{\#(Self.good), "\#(key)": {"PublicIP": "172.22.0.12", "PublicIPv6": "fd00::12", "BackendData": {"VtepMAC": "0e:00:00:00:00:02"}, "BackendV6Data": {"VtepMAC": "0e:00:00:00:06:02"}}}"#
        let reading = try LeaseReader.read(Array(text.utf8), source: "leases.json")
        let record = try #require(reading.rejected.first)
        #expect(record.key == key)
        #expect(record.subnet == IPv4Prefix("10.244.2.0/24"))
        #expect(record.subnet6 == nil)
        #expect(record.publicIP == IPv4Address("172.22.0.12") && record.vtepMAC == MACAddress("0e:00:00:00:00:02"))
        #expect(record.publicIPv6 == IPv6Address("fd00::12") && record.vtepMAC6 == MACAddress("0e:00:00:00:06:02"))
        #expect(record.error.description.contains("IPv6 half"), "the key is the refusal named: \(record.error)")
    }

    @Test func aBadPublicIPv6KeepsBothSubnetsAndTheVtepMACs() throws {
        let key = "/coreos.com/network/subnets/10.244.2.0-24&fd00:10:244:2::-64"
        let text = #"{"\#(key)": "{\"PublicIP\":\"172.22.0.12\",\"PublicIPv6\":\"fd00::12::\",\"BackendType\":\"vxlan\",\"BackendData\":{\"VNI\":1,\"VtepMAC\":\"0e:00:00:00:00:02\"},\"BackendV6Data\":{\"VNI\":1,\"VtepMAC\":\"0e:00:00:00:06:02\"}}"}"#
        let record = try #require(try LeaseReader.read(Array(text.utf8), source: "leases.json").rejected.first)
        #expect(record.subnet == IPv4Prefix("10.244.2.0/24") && record.subnet6 == IPv6Prefix("fd00:10:244:2::/64"))
        #expect(record.publicIP == IPv4Address("172.22.0.12") && record.publicIPv6 == nil)
        #expect(record.vtepMAC == MACAddress("0e:00:00:00:00:02") && record.vtepMAC6 == MACAddress("0e:00:00:00:06:02"))
        #expect(record.protected(.inet6).subnet == .v6(IPv6Prefix("fd00:10:244:2::/64")!))
        #expect(record.error.description.hasPrefix("leases.json: \(key): PublicIPv6: expected an IPv6 address such as \"fd00::11\""))
    }

    @Test func aBrokenIPv6AnnotationKeepsTheNodesIPv6Half() throws {
        let text = #"""
            {"kind": "List", "items": [{"kind": "Node", "metadata": {"name": "n9", "annotations": {
              "flannel.alpha.coreos.com/kube-subnet-manager": "true", "flannel.alpha.coreos.com/public-ip": "172.22.0.9",
              "flannel.alpha.coreos.com/public-ipv6": "fd00::9", "flannel.alpha.coreos.com/backend-type": "vxlan",
              "flannel.alpha.coreos.com/backend-data": "{\"VNI\":1,\"VtepMAC\":\"0e:00:00:00:00:09\"}",
              "flannel.alpha.coreos.com/backend-v6-data": "{\"VNI\":\"one\",\"VtepMAC\":\"0e:00:00:00:06:09\"}"}},
              "spec": {"podCIDR": "fd00:10:244:9::/64", "podCIDRs": ["fd00:10:244:9::/64", "10.244.9.0/24"]}}]}
            """#
        let record = try #require(try LeaseReader.read(Array(text.utf8), source: "nodes.json").rejected.first)
        #expect(record.key == "node/n9")
        #expect(record.subnet == IPv4Prefix("10.244.9.0/24") && record.subnet6 == IPv6Prefix("fd00:10:244:9::/64"))
        #expect(record.publicIP == IPv4Address("172.22.0.9") && record.publicIPv6 == IPv6Address("fd00::9"))
        #expect(record.vtepMAC == MACAddress("0e:00:00:00:00:09") && record.vtepMAC6 == MACAddress("0e:00:00:00:06:09"))
        #expect(record.error.description.contains("backend-v6-data"), "\(record.error)")
    }

    @Test func parseStillRefusesTheWholeInputAtTheFirstBadRecord() {
        let text = #"{\#(Self.good), "/coreos.com/network/subnets/10.244.2.0-24": {"PublicIP": "x"}}"#
        #expect(throws: InputError.self) { try LeaseReader.parse(Array(text.utf8), source: "leases.json") }
    }
}
