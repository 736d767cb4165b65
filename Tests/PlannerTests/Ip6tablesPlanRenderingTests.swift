import Desired
import NetState
import Planner
import Testing

/// What a person and a shell read of flannel's IPv6 rules: `ip6tables -S` words under
/// `ip6tables -t <table>`, `ip6tables-nft-restore --noflush` blocks in scripts, `nft` for the
/// IPv6 table; IPv4's words stay `iptables`.
@Suite struct Ip6tablesPlanRenderingTests {
    static let cluster = IPv6Prefix("fd00:10:244::/56")!
    static let lease = IPv6Prefix("fd00:10:244:1::/64")!
    static let ownership = Ownership(
        ipv4: nil, ipv6: .init(cluster: .v6(cluster), ownSubnet: .v6(lease), subnetLengths: [64]), vxlanDevice: "flannel.1", underlay: "eth0"
    )
    static let desired = NetworkState(iptables: [
        FlannelIptablesRules.masquerade(cluster: cluster, lease: lease, fullyRandom: true),
        FlannelIptablesRules.forward(cluster: cluster),
    ])

    static let natLines = [
        "-N FLANNEL-POSTRTG",
        #"-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG"#,
        #"-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment "flanneld masq" -j RETURN"#,
        #"-A FLANNEL-POSTRTG -s fd00:10:244:1::/64 -d fd00:10:244::/56 -m comment --comment "flanneld masq" -j RETURN"#,
        #"-A FLANNEL-POSTRTG -s fd00:10:244::/56 -d fd00:10:244:1::/64 -m comment --comment "flanneld masq" -j RETURN"#,
        #"-A FLANNEL-POSTRTG ! -s fd00:10:244::/56 -d fd00:10:244:1::/64 -m comment --comment "flanneld masq" -j RETURN"#,
        #"-A FLANNEL-POSTRTG -s fd00:10:244::/56 ! -d ff00::/8 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully"#,
        #"-A FLANNEL-POSTRTG ! -s fd00:10:244::/56 -d fd00:10:244::/56 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully"#,
    ]

    @Test func fromNothingThePlanWritesTheCurrentLayoutInIp6tablesWords() throws {
        let plan = Planner.plan(desired: Self.desired, observed: NetworkState(), ownership: Self.ownership)
        let text = plan.changes.map(\.description)
        #expect(text.count == 2)
        #expect(text[0].hasPrefix("+ ip6tables -t filter: flannel's rules as flannel v0.20+ writes them"), "\(text)")
        #expect(text[1].hasPrefix("+ ip6tables -t nat: flannel's rules as flannel v0.21+ writes them"), "\(text)")
        guard case let .iptables(nat) = try #require(plan.changes.last) else { Issue.record("not an iptables change"); return }
        #expect(nat.table == IptablesNames.nat6)
        #expect(nat.lines == ["+ -P POSTROUTING ACCEPT"] + Self.natLines.map { "+ " + $0 })

        let script = PlanScript.commands(for: .iptables(nat))
        // One ip6tables-nft-restore transaction: flannel's chain, then its rules in order.
        #expect(script == ["ip6tables-nft-restore --noflush <<'IPTABLES'", "*nat"] + Self.natLines + ["COMMIT", "IPTABLES"])
    }

    @Test func deletesNameTheIp6TableAndTheHandle() {
        var rule = NftRule([.sourceAddress6(Self.cluster, negated: false), .comment("flanneld forward"), .counter], .accept)
        rule.handle = 31
        let change = IptablesChange(table: IptablesNames.filter6, deletes: [IptablesRule(chain: "FORWARD", rule: rule)])
        #expect(PlanScript.commands(for: .iptables(change)) == ["nft delete rule ip6 filter FORWARD handle 31"])
        #expect(Change.iptables(change).description.hasPrefix("- ip6tables -t filter: flannel's rules removed"))
        rule.handle = nil
        let byWords = IptablesChange(table: IptablesNames.filter6, deletes: [IptablesRule(chain: "FORWARD", rule: rule)])
        #expect(PlanScript.commands(for: .iptables(byWords)) == [
            "ip6tables-nft-restore --noflush <<'IPTABLES'", "*filter",
            #"-D FORWARD -s fd00:10:244::/56 -m comment --comment "flanneld forward" -j ACCEPT"#, "COMMIT", "IPTABLES",
        ])
    }

    /// `desired`/`observe` listings head each table with the program that lists it.
    @Test func listingsSayIp6tables() {
        let text = Self.desired.listing.string
        #expect(text.contains("# ip6tables -t filter\n-N FLANNEL-FWD\n"), "\(text)")
        #expect(text.contains("# ip6tables -t nat\n" + Self.natLines.joined(separator: "\n")), "\(text)")
        #expect(!text.contains("# iptables "))
    }

    /// The nf_tables mode table for IPv6 is created and deleted with nft, in its family.
    @Test func theIPv6TableInScripts() throws {
        let table = try #require(MasqueradeTable.table(cluster: Self.cluster, lease: Self.lease, ipMasq: true, fullyRandom: true))
        let create = PlanScript.commands(for: .table(.create(table)))
        #expect(create.first == "nft -f - <<'NFT'")
        #expect(create.dropFirst().prefix(2) == ["table ip6 flannel-ipv6", "delete table ip6 flannel-ipv6"])
        #expect(PlanScript.commands(for: .table(.delete(table))) == ["nft delete table ip6 flannel-ipv6"])
    }
}
