import Desired
import NetState
import Netlink
import Observed
import Planner
import Testing
import TestSupport

/// flannel's IPv6 iptables-mode rules as ip6tables-nft 1.8.9 writes them: each version's
/// `MasqIP6Rules` / `ForwardRules(IPv6Network)` layout loaded with `ip6tables-nft-restore` in a
/// fresh namespace and captured from the kernel's dump replies (`Fixtures/ip6t-capture.py`,
/// `Fixtures/nft-fixtures.md`); each `.txt` is `ip6tables-nft -S` at the same moment.
/// C = fd00:10:244::/56, L = fd00:10:244:1::/64.
@Suite struct Ip6tablesFlannelLayoutTests {
    struct Capture: Sendable, CustomStringConvertible {
        var name: String
        var layout: String
        var description: String { name }
    }

    static let captures = [
        Capture(name: "ip6t-flannel-v0.19", layout: "flannel v0.16.2-v0.19"),
        Capture(name: "ip6t-flannel-v0.20.0", layout: "flannel v0.20.0"),
        Capture(name: "ip6t-flannel-v0.20.2", layout: "flannel v0.20.2"),
        Capture(name: "ip6t-flannel-current", layout: "flannel v0.21+"),
    ]
    static let cluster = IPv6Prefix("fd00:10:244::/56")!
    static let lease = IPv6Prefix("fd00:10:244:1::/64")!
    static let tableKeys = [IptablesNames.filter6, IptablesNames.nat6]

    static func tables(_ capture: Capture) throws -> [NftTable.Key: NftTable] {
        let tables = try NftDecoder.decode(try NftFixture.messages("\(capture.name).hex"))
        return Dictionary(tables.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The `-N`/`-A` lines `ip6tables-nft -t TABLE -S` printed.
    static func printed(_ name: String, table: String) throws -> [String] {
        let lines = try NftFixture.text("\(name).txt").split(separator: "\n").map(String.init)
        guard let start = lines.firstIndex(of: "# ip6tables-nft -t \(table) -S") else { return [] }
        return lines[(start + 1)...].prefix { !$0.hasPrefix("#") }.filter { $0.hasPrefix("-N ") || $0.hasPrefix("-A ") }
    }

    static func ownership(_ lease: IPv6Prefix) -> Ownership {
        Ownership(
            ipv4: nil, ipv6: .init(cluster: .v6(cluster), ownSubnet: .v6(lease), subnetLengths: [64]),
            vxlanDevice: "flannel.1", underlay: "eth0"
        )
    }

    static func desired(_ lease: IPv6Prefix, fullyRandom: Bool = true) -> NetworkState {
        NetworkState(iptables: [
            FlannelIptablesRules.masquerade(cluster: cluster, lease: lease, fullyRandom: fullyRandom),
            FlannelIptablesRules.forward(cluster: cluster),
        ])
    }

    /// The decoder (IPv6 payload offsets, ip6tables' MASQUERADE target) and the `ip6tables -S`
    /// wording together reproduce ip6tables-nft's own listing, word for word.
    @Test(arguments: captures)
    func decodedRulesReadAsIp6tablesPrintsThem(_ capture: Capture) throws {
        let tables = try Self.tables(capture)
        for key in Self.tableKeys {
            let table = try #require(tables[key], "no table ip6 \(key.name) in \(capture.name)")
            let lines = Ownership.iptablesListing(of: table).lines
            #expect(lines == (try Self.printed(capture.name, table: key.name)), "\(key.name): \(lines)")
        }
    }

    /// Each version's IPv6 layout as the model writes it is, word for word, what ip6tables
    /// printed for the rules flannel's source says that version writes.
    @Test(arguments: captures)
    func theModelsLayoutsAreFlannelsWords(_ capture: Capture) throws {
        for (key, set) in [
            (IptablesNames.nat6, FlannelIptablesRules.masquerade(cluster: Self.cluster, lease: Self.lease, fullyRandom: true)),
            (IptablesNames.filter6, FlannelIptablesRules.forward(cluster: Self.cluster)),
        ] {
            #expect(set.table == key)
            // The forward rules have two layouts: chained (v0.20+) and straight in FORWARD.
            let name = key == IptablesNames.filter6
                ? (capture.layout == "flannel v0.16.2-v0.19" ? capture.layout : "flannel v0.20+") : capture.layout
            let layout = try #require(set.accepted.first { $0.name == name })
            #expect(IptablesListing(table: key, layout: layout).lines == (try Self.printed(capture.name, table: key.name)))
        }
    }

    /// On a node where flanneld did the work, whichever version, the plan is empty.
    @Test(arguments: captures)
    func eachVersionsLayoutSatisfiesTheDesiredState(_ capture: Capture) throws {
        let observed = NetworkState(tables: Array(try Self.tables(capture).values))
        let plan = Planner.plan(desired: Self.desired(Self.lease), observed: observed, ownership: Self.ownership(Self.lease))
        #expect(plan.isEmpty, "\(plan.changes.map(\.description))")
    }

    /// Another IPv6 lease: the version's own layout is completed for it in `ip6 nat`, the old
    /// lease's rules go, `ip6 filter` stays.
    @Test(arguments: captures)
    func anotherLeaseCompletesTheVersionsOwnLayout(_ capture: Capture) throws {
        let lease = IPv6Prefix("fd00:10:244:99::/64")!
        let tables = try Self.tables(capture)
        let plan = Planner.plan(
            desired: Self.desired(lease), observed: NetworkState(tables: Array(tables.values)), ownership: Self.ownership(lease)
        )
        let changes = plan.changes.compactMap { change -> IptablesChange? in
            if case let .iptables(iptables) = change { return iptables } else { return nil }
        }
        #expect(changes.map(\.table) == [IptablesNames.nat6])
        let nat = try #require(changes.first)
        #expect(nat.layout == capture.layout)
        var after = try #require(tables[IptablesNames.nat6])
        IptablesFlannelLayoutTests.apply(nat, to: &after)
        let want = try #require(
            FlannelIptablesRules.masquerade(cluster: Self.cluster, lease: lease, fullyRandom: true).accepted.first { $0.name == capture.layout }
        )
        #expect(Ownership.iptablesListing(of: after).lines == IptablesListing(table: IptablesNames.nat6, layout: want).lines)
        #expect(plan.changes.first?.description.hasPrefix("~ ip6tables -t nat: flannel's rules as \(capture.layout) writes them") == true)
    }

    /// A non-byte-aligned IPv6 prefix (all 16 bytes loaded and masked) and a host prefix decode
    /// to the prefixes ip6tables printed; a MASQUERADE without `--random-fully` too. From the
    /// batch ip6tables-nft sent (`ip6t-odd-batch.hex`): what it writes is what it reads back.
    @Test func oddPrefixesDecodeAsIp6tablesPrintsThem() throws {
        let rules = try NftFixture.messages("ip6t-odd-batch.hex").filter { $0.type == NftDecoder.newRule }.map { try NftDecoder.rule($0) }
        #expect(rules.map { $0.rule.iptablesWords(chain: $0.chain) } == (try Self.printed("ip6t-odd", table: "nat")))
    }

    /// The IPv6 nf_tables table (`ip6 flannel-ipv6`) as the kernel lists it back after `nft -f`
    /// of its text decodes to exactly the table the model wants.
    @Test func flannelsIPv6TableDecodesToTheDesiredTable() throws {
        let tables = try NftDecoder.decode(try NftFixture.messages("nft-flannel6.hex"))
        let want = try #require(MasqueradeTable.table(cluster: Self.cluster, lease: Self.lease, ipMasq: true, fullyRandom: true))
        #expect(tables == [want])
    }

    /// The IPv6 table in nft's words is exactly what `nft list table ip6 flannel-ipv6` printed
    /// after `nft -f` of it (`nft-flannel6.nft`, checked on this machine when captured); without
    /// ip-masq only the forward chain, without either no table.
    @Test func flannelsIPv6TableReadsAsNftListsIt() throws {
        let table = try #require(MasqueradeTable.table(cluster: Self.cluster, lease: Self.lease, ipMasq: true, fullyRandom: true))
        #expect(table.key == NftTable.flannel6Key)
        #expect(table.description + "\n" == (try NftFixture.text("nft-flannel6.nft")))
        let forwardOnly = MasqueradeTable.table(cluster: Self.cluster, lease: Self.lease, ipMasq: false, fullyRandom: true)
        #expect(forwardOnly?.chains.map(\.name) == ["forward"])
        #expect(MasqueradeTable.table(cluster: Self.cluster, lease: Self.lease, ipMasq: false, fullyRandom: true, forwardRules: false) == nil)
        // Each match reads back from its words (snapshots and plans hold them so).
        for rule in table.chains.flatMap(\.rules) {
            #expect(rule.matches.map { NftMatch(parsing: $0.description) } == rule.matches)
        }
    }
}
