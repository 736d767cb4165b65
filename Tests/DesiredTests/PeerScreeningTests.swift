import NetState
import Testing
import TestSupport

@testable import Desired

/// Degraded, not down: a problem confined to one peer skips that peer, names its lease key and
/// field, and leaves every other peer programmed; a problem with the node's own lease or the
/// network refuses everything. flanneld behaves the same way per peer: its vxlan
/// `handleSubnetEvents` (pkg/backend/vxlan/vxlan_network.go) logs a lease it cannot program and
/// goes on with the next one.
@Suite struct PeerScreeningTests {
    typealias F = DesiredFixture

    /// Node a, good peers b and d, and one bad peer: the result keeps b and d.
    func skippedOnly(_ bad: Lease, _ extra: [Lease] = []) throws -> (DesiredNode, SkippedPeer?) {
        let desired = try F.compute(leases: [F.a, F.b, bad, F.d] + extra)
        #expect(desired.state.routes[Route.Key(destination: F.b.subnet!)] != nil, "b is still programmed")
        #expect(desired.state.routes[Route.Key(destination: F.d.subnet!)] != nil, "d is still programmed")
        #expect(desired.state.routes[Route.Key(destination: bad.subnet!)] == nil || bad.subnet == F.b.subnet)
        return (desired, desired.skipped.first { $0.key == bad.displayName })
    }

    @Test func cleanLeasesSkipNothing() throws {
        #expect(try F.compute(leases: [F.a, F.b, F.c, F.d]).skipped.isEmpty)
    }

    @Test(arguments: [
        ("0.0.0.0", "in 0.0.0.0/8"), ("127.0.0.1", "loopback"), ("224.0.0.1", "multicast"),
        ("255.255.255.255", "limited broadcast"), ("240.1.2.3", "reserved"), ("10.244.200.7", "inside Network"),
    ])
    func publicIPsNoNodeCanHaveSkipThePeer(_ address: String, _ words: String) throws {
        let bad = F.lease("10.244.9.0/24", address, mac: F.mac("02:00:00:00:00:09"), name: "bad")
        let (desired, skipped) = try skippedOnly(bad)
        #expect(skipped?.reason == .invalidPublicIP)
        #expect(skipped?.message.contains(words) == true, "\(skipped?.message ?? "-")")
        #expect(skipped?.description.hasPrefix("leases.json: node/bad: PublicIP: \(address) is") == true)
        #expect(!desired.state.fdb.values.contains { $0.destination == .v4(F.ip(address)) }, "never in the FDB")
    }

    @Test(arguments: ["01:00:5e:00:00:01", "ff:ff:ff:ff:ff:ff", "00:00:00:00:00:00", "33:33:00:00:00:01"])
    func vtepMACsThatAreNotUnicastSkipThePeer(_ text: String) throws {
        let bad = F.lease("10.244.9.0/24", "192.168.1.19", mac: F.mac(text), name: "bad")
        let (desired, skipped) = try skippedOnly(bad)
        #expect(skipped?.reason == .invalidVtepMAC)
        #expect(skipped?.message.hasPrefix("BackendData.VtepMAC: \(text) is") == true)
        #expect(!desired.state.neighbors.values.contains { $0.lladdr == F.mac(text) })
    }

    @Test func eachPeerProblemHasItsReason() throws {
        var outside = F.lease("10.245.9.0/24", "192.168.1.19", mac: F.mac("02:00:00:00:00:09"), name: "outside")
        #expect(try skippedOnly(outside).1?.reason == .outsideNetwork)
        outside.subnet = F.prefix("10.244.9.0/24")
        outside.vni = 7
        #expect(try skippedOnly(outside).1?.message == "BackendData.VNI: 7 differs from net-conf's VNI 1: its vxlan traffic would be dropped")
        let noMAC = F.lease("10.244.9.0/24", "192.168.1.19", mac: nil, name: "nomac")
        #expect(try skippedOnly(noMAC).1?.reason == .missingVtepMAC)
        let offLink = F.hostGW(F.lease("10.244.9.0/24", "10.9.9.9", name: "far"))
        #expect(try skippedOnly(offLink).1?.reason == .notOnLink)
    }

    @Test func twoPeersSharingAPublicIPAreBothSkippedAndNamed() throws {
        let x = F.lease("10.244.8.0/24", "192.168.1.30", mac: F.mac("02:00:00:00:00:08"), name: "x")
        let y = F.lease("10.244.9.0/24", "192.168.1.30", mac: F.mac("02:00:00:00:00:09"), name: "y")
        let desired = try F.compute(leases: [F.a, F.b, x, y])
        #expect(desired.skipped.map(\.key) == ["node/x", "node/y"])
        #expect(desired.skipped.map(\.message) == [
            "PublicIP 192.168.1.30 is also the PublicIP of node/y", "PublicIP 192.168.1.30 is also the PublicIP of node/x",
        ])
        #expect(desired.state.routes.count == 1)
    }

    @Test func aPeerClashingWithThisNodeIsTheOneSkipped() throws {
        let sameSubnet = F.lease("10.244.1.0/24", "192.168.1.40", mac: F.mac("02:00:00:00:00:40"), name: "thief")
        let sameMAC = F.lease("10.244.9.0/24", "192.168.1.41", mac: F.macA, name: "copycat")
        let desired = try F.compute(leases: [F.a, F.b, sameSubnet, sameMAC])
        #expect(desired.ownLease == F.a)
        #expect(desired.skipped.map(\.key) == ["node/copycat", "node/thief"])
        #expect(desired.skipped.map(\.reason) == [.duplicateVtepMAC, .overlappingSubnet])
        #expect(desired.state.routes.keys.map(\.destination) == [.v4(F.b.subnet!)])
    }

    @Test func overlappingPeersAreAllSkipped() throws {
        let wide = F.lease("10.244.8.0/22", "192.168.1.50", mac: F.mac("02:00:00:00:00:50"), name: "wide")
        let inner = F.lease("10.244.9.0/24", "192.168.1.51", mac: F.mac("02:00:00:00:00:51"), name: "inner")
        let desired = try F.compute(leases: [inner, F.a, F.b, wide])
        #expect(desired.skipped.map(\.key) == ["node/inner", "node/wide"])
        #expect(desired.skipped.allSatisfy { $0.reason == .overlappingSubnet })
    }

    @Test func aRecordThatDidNotParseIsSkippedAndItsSubnetKept() throws {
        let record = RejectedLease(
            key: F.key("10.244.9.0/24"), subnet: F.prefix("10.244.9.0/24"),
            error: InputError(.invalidValue, source: "leases.json", field: "\(F.key("10.244.9.0/24")): PublicIP", "expected an IPv4 address such as \"192.168.64.3\", found \"1.2.3\"")
        )
        let desired = try DesiredState.compute(
            netConf: F.netConf(), leases: [F.a, F.b], rejected: [record], node: .publicIP(F.a.publicIP!), facts: F.facts,
            source: "leases.json"
        )
        #expect(desired.skipped.map(\.reason) == [.invalidLease])
        #expect(desired.skipped.first?.subnet == .v4(F.prefix("10.244.9.0/24")))
        #expect(desired.skipped.first?.description == "leases.json: \(F.key("10.244.9.0/24")): PublicIP: expected an IPv4 address such as \"192.168.64.3\", found \"1.2.3\"")
        #expect(desired.state.routes.count == 1)
    }

    @Test func aPeerSharingABrokenRecordsPublicIPOrMACIsSkippedToo() throws {
        let record = RejectedLease(
            key: F.key("10.244.9.0/24"), subnet: F.prefix("10.244.9.0/24"), publicIP: F.b.publicIP, vtepMAC: F.d.vtepMAC,
            error: InputError(.invalidValue, source: "leases.json", field: "\(F.key("10.244.9.0/24")): BackendType", "bad")
        )
        let desired = try DesiredState.compute(
            netConf: F.netConf(), leases: [F.a, F.b, F.d], rejected: [record], node: .publicIP(F.a.publicIP!), facts: F.facts
        )
        #expect(desired.skipped.map(\.key) == [F.key("10.244.9.0/24"), "node/b", "node/d"])
        #expect(desired.skipped.first { $0.key == "node/b" }?.message == "PublicIP \(F.b.publicIP!) is also the PublicIP of \(F.key("10.244.9.0/24")), a lease that did not parse")
        #expect(desired.skipped.first { $0.key == "node/d" }?.reason == .duplicateVtepMAC)
        #expect(desired.state.routes.isEmpty)
    }

    @Test func thisNodesOwnBrokenRecordRefusesEverything() {
        let record = RejectedLease(
            key: "node/a", nodeName: "a", error: InputError(.invalidValue, source: "nodes.json", field: "node/a: PublicIP", "bad")
        )
        #expect(throws: InputError(.invalidValue, source: "nodes.json", field: "node/a: PublicIP", "this node's own lease is invalid: bad")) {
            try DesiredState.compute(
                netConf: F.netConf(), leases: [F.b], rejected: [record], node: .name("a"), facts: F.facts
            )
        }
    }

    @Test func problemsOfTheOwnLeaseOrTheNetworkRefuseEverything() {
        var own = F.a
        own.publicIP = F.ip("127.0.0.1")
        #expect(throws: InputError.self) { try F.compute(leases: [own, F.b], node: .name("a")) }
        own = F.a
        own.vtepMAC = F.mac("01:00:5e:00:00:01")
        #expect(throws: InputError.self) { try F.compute(leases: [own, F.b]) }
        // Network over the underlay's own connected network: a route into flannel.1 would
        // capture a peer's underlay address.
        let wide = NetConf(network: F.prefix("192.168.0.0/16"), backend: .init(type: .vxlan))
        let leases = [F.lease("192.168.1.0/24", "192.168.1.11", mac: F.macA), F.lease("192.168.2.0/24", "192.168.1.12", mac: F.macB)]
        #expect(throws: InputError.self) { try F.compute(wide, leases: leases) }
        let underlay = NetConf(network: F.prefix("10.0.0.0/8"), backend: .init(type: .vxlan))
        // Offline, the --on-link networks stand for the underlay's connected networks.
        var facts = F.facts
        facts.addresses = []
        facts.onLinkNetworks = [.v4(F.prefix("10.1.0.0/16"))]
        do {
            _ = try F.compute(underlay, leases: [F.a, F.b], facts: facts)
            Issue.record("Network 10.0.0.0/8 over the underlay network 10.1.0.0/16 was accepted")
        } catch {
            #expect(error.description == "Network: 10.0.0.0/8 overlaps the underlay network 10.1.0.0/16 on eth0: routes into the cluster CIDR would capture underlay traffic")
        }
    }

    /// 50,000 leases with one of each problem: a sort and hash sets, so this is quick, and
    /// exactly the bad ones are skipped.
    @Test func fiftyThousandLeases() throws {
        let network = F.prefix("10.0.0.0/8")
        var leases = (0..<50_000).map { index in
            Lease(
                key: "k\(index)", subnet: IPv4Prefix(address: IPv4Address(0x0a00_0000 | UInt32(index) << 4), length: 28),
                publicIP: IPv4Address(0xc0a8_0000 | UInt32(index)), backendType: .hostGW
            )
        }
        var generator = SplitMix64(seed: 42)
        leases.shuffle(using: &generator)
        let own = leases[0]
        let netConf = NetConf(network: network, subnetLen: 28, backend: .init(type: .hostGW))
        let facts = LinkFacts(underlay: "eth0", onLinkNetworks: [.v4(F.prefix("192.168.0.0/16"))])
        func compute(_ leases: [Lease]) throws -> DesiredNode {
            try DesiredState.compute(netConf: netConf, leases: leases, node: .publicIP(own.publicIP!), facts: facts)
        }
        #expect(try compute(leases).skipped.isEmpty)
        leases.append(Lease(key: "dup", subnet: leases[17].subnet, publicIP: F.ip("192.168.250.1"), backendType: .hostGW))
        leases.append(Lease(key: "out", subnet: F.prefix("11.0.0.0/24"), publicIP: F.ip("192.168.250.2"), backendType: .hostGW))
        leases.append(Lease(key: "wide", subnet: F.prefix("10.0.2.0/24"), publicIP: F.ip("192.168.250.3"), backendType: .hostGW))
        let desired = try compute(leases)
        // dup and its twin, out, wide and the 16 /28 leases it covers.
        #expect(desired.skipped.count == 2 + 1 + 1 + 16)
        #expect(desired.state.routes.count == 50_000 - 1 - 1 - 16)
    }
}
