import Foundation
import NetState
import Testing

@testable import Desired

/// Each refusal carries its code, the file and the lease key or field, and is raised before
/// anything is computed. Problems confined to one peer skip that peer instead, with the same
/// precision (PeerScreeningTests has the rest).
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

    /// The peers skipped, when the node itself is fine.
    static func skipped(
        _ netConf: NetConf = F.netConf(), leases: [Lease], facts: LinkFacts = F.facts,
        options: DesiredOptions = DesiredOptions()
    ) -> [SkippedPeer] {
        (try? F.compute(netConf, leases: leases, facts: facts, options: options))?.skipped ?? []
    }

    @Test func leaseOutsideTheNetwork() {
        let outside = F.lease("10.245.1.0/24", "192.168.1.14", mac: F.mac("02:00:00:00:00:01"))
        let skipped = Self.skipped(leases: [F.a, outside]).first
        #expect(skipped?.reason == .outsideNetwork)
        #expect(skipped?.key == "/coreos.com/network/subnets/10.245.1.0-24")
        #expect(skipped?.source == "leases.json")
        #expect(skipped?.message.contains("10.244.0.0/16") == true)
        #expect(skipped?.description.hasPrefix("leases.json: /coreos.com/network/subnets/10.245.1.0-24: ") == true)
        // This node's own lease outside the network refuses everything.
        var own = F.a
        own.subnet = F.prefix("10.245.1.0/24")
        #expect(Self.error(leases: [own, F.b])?.code == .leaseOutsideNetwork)
    }

    @Test func leaseWiderThanTheNetworkIsOutside() {
        let wide = F.lease("10.0.0.0/8", "192.168.1.14", mac: F.mac("02:00:00:00:00:01"))
        #expect(Self.skipped(leases: [F.a, wide]).map(\.reason) == [.outsideNetwork])
    }

    @Test func duplicateSubnets() {
        var again = F.b
        again.key = "/coreos.com/network/subnets/10.244.2.0-24-again"
        again.nodeName = nil
        again.publicIP = F.ip("192.168.1.14")
        again.vtepMAC = F.mac("02:00:00:00:00:02")
        let skipped = Self.skipped(leases: [F.a, F.b, again])
        #expect(skipped.map(\.key) == [again.key, "node/b"])
        #expect(skipped.map(\.message) == ["both lease subnet 10.244.2.0/24 with node/b", "both lease subnet 10.244.2.0/24 with \(again.key)"])
    }

    @Test func overlappingSubnetsIncludingNestedOnes() {
        let nested = F.lease("10.244.2.128/25", "192.168.1.14", mac: F.mac("02:00:00:00:00:03"))
        let skipped = Self.skipped(leases: [F.a, nested, F.b])
        #expect(skipped.map(\.key) == [nested.key, "node/b"])
        #expect(skipped.allSatisfy { $0.reason == .overlappingSubnet })
        // A lease covering this node's own: the peer is skipped, the node goes on.
        let wide = F.lease("10.244.0.0/22", "192.168.1.14", mac: F.mac("02:00:00:00:00:03"))
        let wideSkipped = Self.skipped(leases: [F.a, F.b, wide])
        #expect(wideSkipped.map(\.key).sorted() == [wide.key, "node/b"].sorted())
        #expect(wideSkipped.first { $0.key == wide.key }?.message == "subnets overlap with node/a")
    }

    @Test func vxlanLeaseWithoutVtepMAC() {
        var b = F.b
        b.vtepMAC = nil
        #expect(Self.skipped(leases: [F.a, b]).map(\.reason) == [.missingVtepMAC])
        // Also when --backend vxlan makes a host-gw lease vxlan.
        let forced = Self.skipped(
            F.netConf(.hostGW), leases: [F.a, F.hostGW(F.b)], options: DesiredOptions(backendOverride: .vxlan)
        )
        #expect(forced.map(\.key) == ["node/b"])
        #expect(forced.map(\.reason) == [.missingVtepMAC])
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
        let skipped = Self.skipped(leases: [F.a, F.b, d])
        #expect(skipped.map(\.key) == ["node/b", "node/d"])
        #expect(skipped.map(\.reason) == [.duplicateVtepMAC, .duplicateVtepMAC])
        #expect(skipped.allSatisfy { $0.message.contains("9e:11:22:33:44:55") })
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
        let skipped = Self.skipped(F.netConf(.hostGW), leases: [F.hostGW(F.a), c]).first
        #expect(skipped?.reason == .notOnLink)
        #expect(skipped?.key == "node/c")
        #expect(skipped?.message.contains("10.0.5.20") == true)
        #expect(skipped?.message.contains("eth0") == true)
        // Without a node name, the lease key names the peer.
        var anonymous = c
        anonymous.nodeName = nil
        #expect(Self.skipped(F.netConf(.hostGW), leases: [F.hostGW(F.a), anonymous]).first?.key == F.c.key)
        // From a vxlan node too: a host-gw lease is reached directly or not at all.
        #expect(Self.skipped(leases: [F.a, c]).map(\.reason) == [.notOnLink])
    }

    @Test func kernelLookupCanMakeAHostGWPeerOffLink() {
        var facts = F.facts
        facts.routeLookups = [.v4(F.b.publicIP!): false]
        let skipped = Self.skipped(F.netConf(.hostGW), leases: [F.a, F.b].map(F.hostGW), facts: facts)
        #expect(skipped.map(\.key) == ["node/b"])
        #expect(skipped.map(\.reason) == [.notOnLink])
    }

    @Test func theNodesOwnLeaseComesBeforeThePeers() {
        // A peer outside the network and no lease for the node at once: the node is refused.
        let outside = F.lease("10.245.1.0/24", "192.168.1.14", mac: F.mac("02:00:00:00:00:01"))
        let error = Self.error(leases: [F.b, outside], node: .publicIP(F.ip("192.168.1.99")))
        #expect(error?.code == .noLeaseForNode)
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
