import NetState
import Testing
import TestSupport

@testable import Desired

/// The law of `IncrementalPeers`: whenever it accepts a delta, the state it leaves is exactly
/// what `DesiredState.compute` gives for the new set, and its before/after objects are what a
/// plan must change. Random clusters are drawn from small pools of subnets, PublicIPs and MACs,
/// so clashes, skipped peers and records that did not parse are common, not rare.
@Suite struct IncrementalPeersTests {
    struct Scenario {
        var netConf: NetConf
        var options: DesiredOptions
        var facts: LinkFacts
        var leases: [Lease]
        var rejected: [RejectedLease]
    }

    static let own = Lease(
        key: "node/own", nodeName: "own", subnet: IPv4Prefix(address: IPv4Address(10, 244, 0, 0), length: 24),
        publicIP: IPv4Address(192, 168, 0, 1), backendType: nil, vtepMAC: MACAddress(0x02_00_00_00_00_01)
    )

    /// The own lease with an IPv6 half too.
    static let ownDualStack: Lease = {
        var lease = own
        lease.subnet6 = subnet6(0)
        lease.publicIPv6 = publicIPv6(1)
        lease.vtepMAC6 = MACAddress(0x02_00_00_00_60_01)
        return lease
    }()

    static func subnet6(_ n: Int, length: UInt8 = 64) -> IPv6Prefix {
        IPv6Prefix(address: IPv6Address(0xfd00, 0x10, 0x244, UInt16(n), 0, 0, 0, 0), length: length)
    }

    static func publicIPv6(_ n: Int) -> IPv6Address { IPv6Address(0xfd00, 0x192, 0x168, 0, 0, 0, 0, UInt16(n)) }

    /// Gives `lease` a random IPv6 half from small pools (so IPv6 clashes are common too);
    /// now and then none, or a broken one.
    static func addIPv6Half(_ lease: inout Lease, _ random: inout SplitMix64) {
        guard !random.chance(0.04) else { return }
        lease.subnet6 = random.chance(0.02)
            ? IPv6Prefix(address: IPv6Address(0xfd01, 0, 0, UInt16(random.pick(Array(1...9))), 0, 0, 0, 0), length: 64)
            : subnet6(random.pick(Array(1...120)))
        lease.publicIPv6 = random.chance(0.02) ? nil : publicIPv6(random.pick(Array(2...250)))
        lease.vtepMAC6 = random.chance(0.03) ? nil : MACAddress(0x02_00_00_00_60_00 + UInt64(random.pick(Array(0...300))))
        lease.vni6 = random.chance(0.02) ? 7 : (random.chance(0.5) ? 1 : nil)
    }

    static func randomLease(_ key: String, _ random: inout SplitMix64, lengths: [UInt8]) -> Lease {
        let third = UInt8(random.pick(Array(1...120)))
        let length = random.pick(lengths)
        let subnet = IPv4Prefix(address: IPv4Address(random.chance(0.03) ? 11 : 10, 244, third, 0), length: length)
        let publicIP = IPv4Address(192, 168, 0, UInt8(random.pick(Array(2...250))))
        let mac: MACAddress? = random.chance(0.03) ? nil : MACAddress(0x02_00_00_00_10_00 + UInt64(random.pick(Array(0...300))))
        let type: BackendType? = random.chance(0.6) ? nil : random.pick([BackendType.vxlan, .hostGW])
        let vni: UInt32? = random.chance(0.02) ? 7 : (random.chance(0.5) ? 1 : nil)
        return Lease(key: key, nodeName: key.hasPrefix("node/") ? String(key.dropFirst(5)) : nil, subnet: subnet,
                     publicIP: publicIP, backendType: type, vtepMAC: mac, vni: vni)
    }

    /// IPv4 only, dual-stack or IPv6 only, in about equal parts with IPv4 the most common.
    static func scenario(_ random: inout SplitMix64) -> Scenario {
        let type = random.pick([BackendType.vxlan, .vxlan, .hostGW])
        let families = random.pick([[AddressFamily.inet], [.inet], [.inet, .inet6], [.inet6]])
        let netConf = NetConf(
            network: families.contains(.inet) ? IPv4Prefix(address: IPv4Address(10, 244, 0, 0), length: 16) : nil,
            enableIPv4: families.contains(.inet), enableIPv6: families.contains(.inet6),
            ipv6Network: families.contains(.inet6) ? IPv6Prefix(address: IPv6Address(0xfd00, 0x10, 0x244, 0, 0, 0, 0, 0), length: 56) : nil,
            backend: .init(type: type, directRouting: random.chance(0.3))
        )
        let lengths: [UInt8] = random.chance(0.1) ? [24, 25] : [24]
        var leases = [families.contains(.inet6) ? ownDualStack : own]
        for index in 0..<Int.random(in: 1...30, using: &random) {
            var lease = randomLease("node/n\(index)", &random, lengths: lengths)
            if families.contains(.inet6) { addIPv6Half(&lease, &random) }
            // An IPv6-only cluster's nodes (kube mode) have no IPv4 half.
            if families == [.inet6] && random.chance(0.7) {
                lease.subnet = nil
                lease.publicIP = nil
                lease.vtepMAC = nil
            }
            leases.append(lease)
        }
        leases.shuffle(using: &random)
        var rejected: [RejectedLease] = []
        if random.chance(0.15) {
            rejected.append(RejectedLease(
                key: "node/broken", nodeName: "broken", subnet: IPv4Prefix(address: IPv4Address(10, 244, 3, 0), length: 24),
                publicIP: IPv4Address(192, 168, 0, 3), vtepMAC: nil, error: InputError(.invalidValue, source: "t", "bad")
            ))
        }
        // The kernel's answer for every PublicIP, as the agent's observe gives it for peers
        // that need one; a few addresses were never looked up.
        var lookups: [IPAddress: Bool] = [:]
        for host in 2...250 where !random.chance(0.1) { lookups[.v4(IPv4Address(192, 168, 0, UInt8(host)))] = random.chance(0.8) }
        for host in 2...250 where !random.chance(0.1) { lookups[.v6(publicIPv6(host))] = random.chance(0.8) }
        let facts = LinkFacts(
            underlay: "eth0", mtu: 1500,
            addresses: [
                InterfaceAddress(address: own.publicIP!, length: 24), InterfaceAddress(address: .v6(publicIPv6(1)), length: 64),
            ],
            routeLookups: lookups
        )
        let options = DesiredOptions(backendOverride: random.chance(0.1) ? .hostGW : nil)
        return Scenario(netConf: netConf, options: options, facts: facts, leases: leases, rejected: rejected)
    }

    /// A delta of one to three changes: a new MAC, PublicIP, subnet or type, a removal, a new node.
    static func delta(_ scenario: Scenario, _ random: inout SplitMix64, serial: inout Int) -> (LeaseDelta, [Lease]) {
        var delta = LeaseDelta()
        var leases = scenario.leases
        for _ in 0..<Int.random(in: 1...3, using: &random) where !leases.isEmpty {
            let index = Int.random(in: 0..<leases.count, using: &random)
            var lease = leases[index]
            switch Int.random(in: 0..<10, using: &random) {
            case 0, 1: lease.vtepMAC = MACAddress(0x02_00_00_00_20_00 + UInt64(random.pick(Array(0...300))))
            case 7: lease.vtepMAC6 = MACAddress(0x02_00_00_00_70_00 + UInt64(random.pick(Array(0...300))))
            case 8: lease.publicIPv6 = publicIPv6(random.pick(Array(2...250)))
            case 9: lease.subnet6 = random.chance(0.1) ? nil : subnet6(random.pick(Array(100...200)))
            case 2: lease.publicIP = IPv4Address(192, 168, 0, UInt8(random.pick(Array(2...250))))
            case 3: lease.subnet = IPv4Prefix(address: IPv4Address(10, 244, UInt8(random.pick(Array(100...200))), 0), length: 24)
            case 4: lease.backendType = random.pick([BackendType.vxlan, .hostGW, nil])
            case 5:
                leases.remove(at: index)
                delta.record(lease.key, nil)
                continue
            default:
                serial += 1
                var new = randomLease("node/new\(serial)", &random, lengths: [24])
                if scenario.netConf.enableIPv6 { addIPv6Half(&new, &random) }
                leases.append(new)
                delta.record(new.key, new)
                continue
            }
            leases[index] = lease
            delta.record(lease.key, lease)
        }
        return (delta, leases)
    }

    func compute(_ scenario: Scenario) throws -> DesiredNode {
        try DesiredState.compute(
            netConf: scenario.netConf, leases: scenario.leases, rejected: scenario.rejected, node: .name("own"),
            facts: scenario.facts, options: scenario.options
        )
    }

    @Test func acceptedDeltasGiveWhatTheWholeComputationGives() throws {
        var random = SplitMix64(seed: 0x1eaf_de17a)
        var accepted = 0, refused = 0, chained = 0, acceptedIPv6 = 0
        var serial = 0
        for _ in 0..<1_000 {
            var scenario = Self.scenario(&random)
            var desired = try compute(scenario)
            var incremental = IncrementalPeers(
                netConf: scenario.netConf, leases: scenario.leases, rejected: scenario.rejected, node: .name("own"),
                facts: scenario.facts, options: scenario.options, desired: desired
            )
            // Several deltas in a row on one index, as the agent applies them between full passes.
            for step in 0..<4 {
                let (delta, leases) = Self.delta(scenario, &random, serial: &serial)
                let before = desired.state
                var state = desired.state
                let next = Scenario(
                    netConf: scenario.netConf, options: scenario.options, facts: scenario.facts, leases: leases,
                    rejected: scenario.rejected
                )
                do {
                    let change = try incremental.apply(delta, to: &state)
                    accepted += 1
                    if scenario.netConf.enableIPv6 { acceptedIPv6 += 1 }
                    if step > 0 { chained += 1 }
                    let whole = try compute(next)
                    #expect(state == whole.state, "delta \(delta) on \(scenario.leases.map(\.key))")
                    // before/after hold exactly the keys that differ between the two states.
                    for (key, route) in change.after.routes { #expect(whole.state.routes[key] == route) }
                    for (key, route) in change.before.routes { #expect(before.routes[key] == route) }
                    for key in Set(before.routes.keys).symmetricDifference(whole.state.routes.keys) {
                        #expect(change.before.routes[key] != nil || change.after.routes[key] != nil)
                    }
                    for key in Set(before.fdb.keys).symmetricDifference(whole.state.fdb.keys) {
                        #expect(change.before.fdb[key] != nil || change.after.fdb[key] != nil)
                    }
                    for (key, neighbor) in whole.state.neighbors where before.neighbors[key] != neighbor {
                        #expect(change.after.neighbors[key] == neighbor)
                    }
                    scenario = next
                    desired = whole
                } catch {
                    #expect(state == before, "a refused delta leaves the state alone")
                    refused += 1
                    break
                }
            }
        }
        // The law is only worth something if both paths are taken often.
        #expect(accepted > 300, "accepted \(accepted)")
        #expect(acceptedIPv6 > 80, "accepted with IPv6 \(acceptedIPv6)")
        #expect(refused > 100, "refused \(refused)")
        #expect(chained > 100, "chained \(chained)")
    }

    @Test func aVtepMACChangeIsOneNeighbourAndOneFDBEntry() throws {
        let peer = Lease(
            key: "/coreos.com/network/subnets/10.244.1.0-24", subnet: IPv4Prefix(address: IPv4Address(10, 244, 1, 0), length: 24),
            publicIP: IPv4Address(192, 168, 0, 2), backendType: .vxlan, vtepMAC: MACAddress(0x02_00_00_00_00_02)
        )
        var own = Self.own
        own.nodeName = nil
        let netConf = NetConf(network: IPv4Prefix(address: IPv4Address(10, 244, 0, 0), length: 16), backend: .init(type: .vxlan))
        let facts = LinkFacts(underlay: "eth0", addresses: [InterfaceAddress(address: own.publicIP!, length: 24)])
        let desired = try DesiredState.compute(netConf: netConf, leases: [own, peer], node: .automatic, facts: facts)
        var incremental = IncrementalPeers(
            netConf: netConf, leases: [own, peer], rejected: [], node: .automatic, facts: facts, options: DesiredOptions(),
            desired: desired
        )
        var moved = peer
        moved.vtepMAC = MACAddress(0x02_00_00_00_00_22)
        var delta = LeaseDelta()
        delta.record(peer.key, moved)
        var state = desired.state
        let change = try incremental.apply(delta, to: &state)
        #expect(change.peers == 1)
        #expect(change.before.neighbors.values.map(\.lladdr) == [MACAddress(0x02_00_00_00_00_02)])
        #expect(change.after.neighbors.values.map(\.lladdr) == [MACAddress(0x02_00_00_00_00_22)])
        #expect(change.before.fdb.keys.map(\.mac) == [MACAddress(0x02_00_00_00_00_02)])
        #expect(change.after.fdb.keys.map(\.mac) == [MACAddress(0x02_00_00_00_00_22)])
        #expect(change.before.routes == change.after.routes, "the route does not move")
        // The same lease again is no change at all.
        var again = LeaseDelta()
        again.record(peer.key, moved)
        #expect(try incremental.apply(again, to: &state).peers == 0)
        // This node's own lease is the whole computation's business.
        var ownDelta = LeaseDelta()
        ownDelta.record(own.key, nil)
        #expect(throws: IncrementalPeers.Refusal.self) { try incremental.apply(ownDelta, to: &state) }
    }
}
