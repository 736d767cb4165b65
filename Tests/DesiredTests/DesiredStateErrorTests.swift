import Foundation
import NetState
import Testing

@testable import Desired

/// Each refusal carries its code, the file and the lease key or field, and is raised before
/// anything is computed.
@Suite struct DesiredStateErrorTests {
    typealias F = DesiredFixture

    static func error(
        _ netConf: NetConf = F.netConf(), leases: [Lease], node: NodeSelector = .publicIP(F.ip("192.168.1.11")),
        facts: LinkFacts = F.facts, options: DesiredOptions = DesiredOptions()
    ) -> InputError? {
        F.error { () throws(InputError) in
            _ = try F.compute(netConf, leases: leases, node: node, facts: facts, options: options)
        }
    }

    @Test func leaseOutsideTheNetwork() {
        let outside = F.lease("10.245.1.0/24", "192.168.1.14", mac: F.mac("02:00:00:00:00:01"))
        let error = Self.error(leases: [F.a, outside])
        #expect(error?.code == .leaseOutsideNetwork)
        #expect(error?.field == "/coreos.com/network/subnets/10.245.1.0-24")
        #expect(error?.source == "leases.json")
        #expect(error?.message.contains("10.244.0.0/16") == true)
        #expect(error?.description.hasPrefix("leases.json: /coreos.com/network/subnets/10.245.1.0-24: ") == true)
    }

    @Test func leaseWiderThanTheNetworkIsOutside() {
        let wide = F.lease("10.0.0.0/8", "192.168.1.14", mac: F.mac("02:00:00:00:00:01"))
        #expect(Self.error(leases: [F.a, wide])?.code == .leaseOutsideNetwork)
    }

    @Test func duplicateSubnets() {
        var again = F.b
        again.key = "/coreos.com/network/subnets/10.244.2.0-24-again"
        again.publicIP = F.ip("192.168.1.14")
        again.vtepMAC = F.mac("02:00:00:00:00:02")
        let error = Self.error(leases: [F.a, F.b, again])
        #expect(error?.code == .duplicateLease)
        #expect(error?.field == "\(F.b.key) and \(again.key)")
    }

    @Test func overlappingSubnetsIncludingNestedOnes() {
        let nested = F.lease("10.244.2.128/25", "192.168.1.14", mac: F.mac("02:00:00:00:00:03"))
        let error = Self.error(leases: [F.a, nested, F.b])
        #expect(error?.code == .overlappingLeases)
        #expect(error?.field == "\(F.b.key) and \(nested.key)")
        let wide = F.lease("10.244.0.0/22", "192.168.1.14", mac: F.mac("02:00:00:00:00:03"))
        let wideError = Self.error(leases: [F.a, F.b, wide])
        #expect(wideError?.code == .overlappingLeases)
        #expect(wideError?.field?.contains(wide.key) == true)
    }

    @Test func vxlanLeaseWithoutVtepMAC() {
        var b = F.b
        b.vtepMAC = nil
        let error = Self.error(leases: [F.a, b])
        #expect(error?.code == .missingVtepMAC)
        #expect(error?.field == F.b.key)
        // Also when --backend vxlan makes a host-gw lease vxlan.
        let forced = Self.error(
            F.netConf(.hostGW), leases: [F.a, F.hostGW(F.b)], options: DesiredOptions(backendOverride: .vxlan)
        )
        #expect(forced?.code == .missingVtepMAC)
        #expect(forced?.message.contains("--backend vxlan") == true)
    }

    @Test func ownVxlanLeaseWithoutVtepMACToo() {
        var a = F.a
        a.vtepMAC = nil
        let error = Self.error(leases: [a, F.b])
        #expect(error?.code == .missingVtepMAC)
        #expect(error?.field == F.a.key)
    }

    @Test func sharedVtepMAC() {
        var d = F.d
        d.vtepMAC = F.macB
        let error = Self.error(leases: [F.a, F.b, d])
        #expect(error?.code == .invalidValue)
        #expect(error?.field == "\(F.b.key) and \(F.d.key)")
        #expect(error?.message.contains("9e:11:22:33:44:55") == true)
    }

    @Test func sharedVtepMACOnlyMattersForVxlanLeases() throws {
        // A host-gw lease keeping an old VtepMAC does not clash with a vxlan lease that has it.
        var d = F.d
        d.backendType = .hostGW
        d.vtepMAC = F.macB
        let node = try F.compute(leases: [F.a, F.b, d])
        #expect(node.state.sortedRoutes == [F.vxlanRoute(F.b), F.directRoute(d)])
    }

    @Test func noLeaseForThisNode() {
        let byIP = Self.error(leases: [F.a, F.b], node: .publicIP(F.ip("192.168.1.99")))
        #expect(byIP?.code == .noLeaseForNode)
        #expect(byIP?.message.contains("192.168.1.99") == true)
        let byName = Self.error(leases: [F.a, F.b], node: .name("zz"))
        #expect(byName?.code == .noLeaseForNode)
        #expect(byName?.message.contains("\"zz\"") == true)
        var facts = F.facts
        facts.addresses = []
        let automatic = Self.error(leases: [F.a, F.b], node: .automatic, facts: facts)
        #expect(automatic?.code == .noLeaseForNode)
        #expect(automatic?.message.contains("--node-ip") == true)
    }

    @Test func twoLeasesWithThisNodesPublicIP() {
        var second = F.b
        second.publicIP = F.a.publicIP
        let error = Self.error(leases: [F.a, second])
        #expect(error?.code == .duplicateLease)
        #expect(error?.field == "\(F.a.key) and \(F.b.key)")
        let automatic = Self.error(leases: [F.a, second], node: .automatic)
        #expect(automatic?.code == .duplicateLease)
    }

    @Test func twoLeasesWithThisNodesName() {
        var second = F.b
        second.nodeName = "a"
        let error = Self.error(leases: [F.a, second], node: .name("a"))
        #expect(error?.code == .duplicateLease)
    }

    @Test func hostGWPeerNotOnLink() {
        let c = F.hostGW(F.c)
        let error = Self.error(F.netConf(.hostGW), leases: [F.hostGW(F.a), c])
        #expect(error?.code == .peerNotOnLink)
        #expect(error?.field == "node/c")
        #expect(error?.message.contains("10.0.5.20") == true)
        #expect(error?.message.contains("eth0") == true)
        // Without a node name, the lease key names the peer.
        var anonymous = c
        anonymous.nodeName = nil
        #expect(Self.error(F.netConf(.hostGW), leases: [F.hostGW(F.a), anonymous])?.field == F.c.key)
        // From a vxlan node too: a host-gw lease is reached directly or not at all.
        #expect(Self.error(leases: [F.a, c])?.code == .peerNotOnLink)
    }

    @Test func kernelLookupCanMakeAHostGWPeerOffLink() {
        var facts = F.facts
        facts.routeLookups = [F.b.publicIP: false]
        let error = Self.error(F.netConf(.hostGW), leases: [F.a, F.b].map(F.hostGW), facts: facts)
        #expect(error?.code == .peerNotOnLink)
        #expect(error?.field == "node/b")
    }

    @Test func validationComesBeforeEverythingElse() {
        // Outside network and no lease for the node at once: the lease problem is reported.
        let outside = F.lease("10.245.1.0/24", "192.168.1.14", mac: F.mac("02:00:00:00:00:01"))
        let error = Self.error(leases: [F.b, outside], node: .publicIP(F.ip("192.168.1.99")))
        #expect(error?.code == .leaseOutsideNetwork)
    }

    /// An underlay MTU below the 50 bytes of vxlan overhead (`--iface-mtu 40`, a LinkFacts
    /// snapshot with `mtu: 0`) must be refused with an error, not trap on `UInt32` underflow.
    /// Run in a child process: an arithmetic trap must show as a failure, not kill the run.
    @Test func underlayMTUBelowTheVxlanOverheadIsAnError() async {
        do {
            await #expect(processExitsWith: .success) {
                var facts = DesiredFixture.facts
                facts.mtu = 40
                do {
                    _ = try DesiredFixture.compute(leases: [DesiredFixture.a, DesiredFixture.b], facts: facts)
                    exit(1) // accepted a negative device MTU
                } catch {
                    exit(0)
                }
            }
        }
    }
}
