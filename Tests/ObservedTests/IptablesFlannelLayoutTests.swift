import Desired
import NetState
import Netlink
import Observed
import Planner
import Testing
import TestSupport

/// flannel's iptables-mode rules as real flanneld installed them through iptables-nft 1.8.9
/// (v0.18.1 and v0.20.2, built from flannel's source, on a namespace cluster with etcd; the
/// current layout of `pkg/trafficmngr/iptables/iptables.go` installed with `iptables-nft-restore`),
/// captured from the kernel's dump replies (`Fixtures/nft-fixtures.md`). Each `.txt` holds what
/// `iptables-nft -S` printed on that node.
@Suite struct IptablesFlannelLayoutTests {
    struct Capture: Sendable, CustomStringConvertible {
        var name: String
        var lease: String
        /// The layout of the flannel version that wrote the rules.
        var layout: String
        var description: String { name }
    }

    static let captures = [
        Capture(name: "ipt-flannel-v0.18.1", lease: "10.244.27.0/24", layout: "flannel v0.16.2-v0.19"),
        Capture(name: "ipt-flannel-v0.20.2", lease: "10.244.64.0/24", layout: "flannel v0.20.2"),
        Capture(name: "ipt-flannel-current", lease: "10.244.1.0/24", layout: "flannel v0.21+"),
    ]
    static let cluster = IPv4Prefix(address: IPv4Address(10, 244, 0, 0), length: 16)

    static func tables(_ capture: Capture) throws -> [NftTable.Key: NftTable] {
        let tables = try NftDecoder.decode(try NftFixture.messages("\(capture.name).hex"))
        return Dictionary(tables.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The `-N`/`-A` lines `iptables-nft -t TABLE -S` printed.
    static func printed(_ capture: Capture, table: String) throws -> [String] {
        let lines = try NftFixture.text("\(capture.name).txt").split(separator: "\n").map(String.init)
        guard let start = lines.firstIndex(of: "# iptables-nft -t \(table) -S") else { return [] }
        return lines[(start + 1)...].prefix { !$0.hasPrefix("#") }.filter { $0.hasPrefix("-N ") || $0.hasPrefix("-A ") }
    }

    static func ownership(_ lease: IPv4Prefix) -> Ownership {
        Ownership(cluster: cluster, ownSubnet: lease, vxlanDevice: "flannel.1", underlay: "eth0", subnetLengths: [24])
    }

    static func desired(_ lease: IPv4Prefix, fullyRandom: Bool = true) -> NetworkState {
        NetworkState(iptables: [
            FlannelIptablesRules.masquerade(cluster: cluster, lease: lease, fullyRandom: fullyRandom),
            FlannelIptablesRules.forward(cluster: cluster),
        ])
    }

    /// The decoder and the `iptables -S` wording together reproduce iptables-nft's own listing
    /// of flannel's rules, word for word.
    @Test(arguments: captures)
    func decodedRulesReadAsIptablesPrintsThem(_ capture: Capture) throws {
        let tables = try Self.tables(capture)
        for key in [IptablesNames.filter, IptablesNames.nat] {
            let table = try #require(tables[key], "no table \(key.name) in \(capture.name)")
            let lines = Ownership.iptablesListing(of: table).lines
            #expect(lines == (try Self.printed(capture, table: key.name)), "\(key.name): \(lines) \(table)")
        }
    }

    /// On a node where flanneld did the work, whichever version, the plan is empty: nothing is
    /// rewritten (flanneld re-checks its rules every 5 s; rewriting them would start a fight).
    @Test(arguments: captures)
    func eachVersionsLayoutSatisfiesTheDesiredState(_ capture: Capture) throws {
        let lease = try #require(IPv4Prefix(capture.lease))
        let observed = NetworkState(tables: Array(try Self.tables(capture).values))
        let plan = Planner.plan(desired: Self.desired(lease), observed: observed, ownership: Self.ownership(lease))
        #expect(plan.isEmpty, "\(plan.changes.map(\.description))")
    }

    /// The same rules for another lease (the node got a new subnet): not satisfied, so the
    /// layout of the version whose rules are there is completed for the new lease (that
    /// flanneld checks for its own rules; any other layout it would re-add beside), and the
    /// old lease's rules go, in one transaction.
    @Test(arguments: captures)
    func anotherLeaseCompletesTheVersionsOwnLayout(_ capture: Capture) throws {
        let lease = IPv4Prefix(address: IPv4Address(10, 244, 99, 0), length: 24)
        let tables = try Self.tables(capture)
        let observed = NetworkState(tables: Array(tables.values))
        let plan = Planner.plan(desired: Self.desired(lease), observed: observed, ownership: Self.ownership(lease))
        let changes = plan.changes.compactMap { change -> IptablesChange? in
            if case let .iptables(iptables) = change { return iptables } else { return nil }
        }
        #expect(changes.map(\.table) == [IptablesNames.nat], "filter's rules do not depend on the lease")
        let nat = try #require(changes.first)
        #expect(nat.layout == capture.layout)
        var after = try #require(tables[IptablesNames.nat])
        Self.apply(nat, to: &after)
        let set = FlannelIptablesRules.masquerade(cluster: Self.cluster, lease: lease, fullyRandom: true)
        let want = try #require(set.accepted.first { $0.name == capture.layout })
        #expect(Ownership.iptablesListing(of: after).lines == IptablesListing(table: IptablesNames.nat, layout: want).lines)
    }

    /// flannel's rules with a different `--random-fully` setting are not flannel's rules for
    /// these flags: flanneld's `-C` would not find them either.
    @Test func masqueradeWithoutRandomFullyIsNotTheSameRule() throws {
        let capture = Self.captures[2]
        let lease = try #require(IPv4Prefix(capture.lease))
        let observed = NetworkState(tables: Array(try Self.tables(capture).values))
        let plan = Planner.plan(desired: Self.desired(lease, fullyRandom: false), observed: observed, ownership: Self.ownership(lease))
        #expect(plan.changes.count == 1)
        #expect(plan.changes.first?.description.contains("~ iptables -t nat") == true)
    }

    /// What the kernel does with the change's rules, for the comparison above (handles aside).
    static func apply(_ change: IptablesChange, to table: inout NftTable) {
        for chain in change.newChains { table.chains.append(NftChain(name: chain.name, hook: chain.hook, rules: [])) }
        for rule in change.deletes {
            guard let chain = table.chains.firstIndex(where: { $0.name == rule.chain }) else { continue }
            table.chains[chain].rules.removeAll { $0.handle == rule.rule.handle }
        }
        for rule in change.appends {
            guard let chain = table.chains.firstIndex(where: { $0.name == rule.chain }) else { continue }
            table.chains[chain].rules.append(rule.rule)
        }
        table.chains.removeAll { change.deletedChains.contains($0.name) }
    }
}
