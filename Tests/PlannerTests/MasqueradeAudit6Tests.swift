import Desired
import NetState
import Observed
import Planner
import Testing
import TestSupport

/// The MASQUERADE audit for IPv6: a foreign `-s <IPv6 pod range> -j MASQUERADE` (ip6tables'
/// or nft's, in `ip6` or `inet` tables) that does not exclude the cluster is flagged; flannel's
/// own IPv6 layouts and table are not; an IPv4 audit never judges IPv6 rules, nor the other
/// way round. `nft-ip6-foreign.hex` is the kernel's dump of such rules (`nft-fixtures.md`).
@Suite struct MasqueradeAudit6Tests {
    static let cluster = IPv6Prefix("fd00:10:244::/56")!
    static let lease = IPv6Prefix("fd00:10:244:1::/64")!
    static let audit = MasqueradeAudit(cluster: cluster, ownSubnet: lease, underlay: "eth0", vxlanDevice: "flannel-v6.1")
    static let audit4 = MasqueradeAudit(
        cluster: IPv4Prefix("10.244.0.0/16")!, ownSubnet: IPv4Prefix("10.244.1.0/24")!, underlay: "eth0", vxlanDevice: "flannel.1"
    )

    static func foreign() throws -> [NftTable] { try NftDecoder.decode(try NftFixture.messages("nft-ip6-foreign.hex")) }

    @Test func foreignIPv6MasqueradesAreFlagged() throws {
        let tables = try Self.foreign()
        // The decoder reads ip6tables' rule and the inet rule's ip6 matches (one nfproto check).
        let ip6nat = try #require(tables.first { $0.key == IptablesNames.nat6 })
        #expect(ip6nat.chains.first?.rules.first?.iptablesWords(chain: "POSTROUTING")
            == "-A POSTROUTING -s fd00:10:244:1::/64 ! -o docker0 -j MASQUERADE")
        let inet = try #require(tables.first { $0.key == NftTable.Key(family: .inet, name: "natted") })
        #expect(inet.chains.first?.rules.first?.matches
            == [.sourceAddress6(Self.cluster, negated: false), .destinationAddress6(.multicast, negated: true)])

        let findings = Self.audit.findings(in: tables)
        #expect(findings.map(\.table) == [IptablesNames.nat6, inet.key], "\(findings)")
        #expect(findings.allSatisfy { $0.certain })
        #expect(findings.first?.description.hasSuffix(
            "pod-to-pod traffic inside fd00:10:244::/56; exclude it (ip6 daddr != fd00:10:244::/56) or return before it"
        ) == true, "\(findings.first?.description ?? "")")

        // The IPv4 audit sees only the inet table's IPv4 rule.
        let findings4 = Self.audit4.findings(in: tables)
        #expect(findings4.map(\.rule.description) == ["ip saddr 10.244.0.0/16 masquerade"])
    }

    /// flannel's IPv6 layouts (each version's, as ip6tables-nft wrote them) exempt pod-to-pod
    /// traffic first, and flannel's own `ip6 flannel-ipv6` is never audited.
    @Test(arguments: ["ip6t-flannel-v0.19", "ip6t-flannel-v0.20.0", "ip6t-flannel-v0.20.2", "ip6t-flannel-current"])
    func flannelsOwnIPv6RulesRaiseNothing(_ fixture: String) throws {
        let tables = try NftDecoder.decode(try NftFixture.messages("\(fixture).hex"))
        #expect(Self.audit.findings(in: tables).isEmpty)
        let table = try #require(MasqueradeTable.table(cluster: Self.cluster, lease: Self.lease, ipMasq: true, fullyRandom: true))
        #expect(Self.audit.findings(in: [table]).isEmpty)
    }

    /// A masquerade that excludes the cluster, or one only for another range, is fine.
    @Test func exclusionsAndOtherRangesAreNotFlagged() {
        let postrouting = NftChain(
            name: "POSTROUTING", hook: IptablesNames.baseChain("POSTROUTING", in: IptablesNames.nat6), rules: [
                NftRule([.sourceAddress6(Self.lease, negated: false), .destinationAddress6(Self.cluster, negated: true)],
                        .masquerade(fullyRandom: false)),
                NftRule([.sourceAddress6(IPv6Prefix("fd00:dead::/64")!, negated: false)], .masquerade(fullyRandom: false)),
                NftRule([.sourceAddress(IPv4Prefix("10.244.1.0/24")!, negated: false)], .masquerade(fullyRandom: false)),
            ]
        )
        #expect(Self.audit.findings(in: [NftTable(key: IptablesNames.nat6, chains: [postrouting])]).isEmpty)
    }

    /// The IPv4 finding reads exactly as before the audit judged IPv6 too.
    @Test func theIPv4FindingTextIsUnchanged() {
        let rule = NftRule([.sourceAddress(IPv4Prefix("10.244.1.0/24")!, negated: false), .counter], .masquerade(fullyRandom: false))
        let postrouting = NftChain(name: "POSTROUTING", hook: IptablesNames.baseChain("POSTROUTING", in: IptablesNames.nat), rules: [rule])
        let findings = Self.audit4.findings(in: [NftTable(key: IptablesNames.nat, chains: [postrouting])])
        #expect(findings.map(\.description) == [
            #"table ip nat chain POSTROUTING: "ip saddr 10.244.1.0/24 counter masquerade" masquerades pod-to-pod traffic inside "#
                + "10.244.0.0/16; exclude it (ip daddr != 10.244.0.0/16) or return before it",
        ])
        #expect(Self.audit4.cluster == IPv4Prefix("10.244.0.0/16") && Self.audit.cluster == nil)
    }
}
