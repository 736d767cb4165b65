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

    @Test func parseStillRefusesTheWholeInputAtTheFirstBadRecord() {
        let text = #"{\#(Self.good), "/coreos.com/network/subnets/10.244.2.0-24": {"PublicIP": "x"}}"#
        #expect(throws: InputError.self) { try LeaseReader.parse(Array(text.utf8), source: "leases.json") }
    }
}
