import NetState
import Planner
import Testing

@Suite struct MasqueradeAuditTests {
    static let cluster = IPv4Prefix(address: IPv4Address(172, 1, 0, 0), length: 16)
    static let own = IPv4Prefix(address: IPv4Address(172, 1, 13, 0), length: 24)
    static let audit = MasqueradeAudit(cluster: cluster, ownSubnet: own, underlay: "ens3", vxlanDevice: "flannel.1")

    static func nat(_ rules: [NftRule], family: NftFamily = .ip, hook: String = "postrouting") -> NftTable {
        NftTable(
            key: NftTable.Key(family: family, name: "nat"),
            chains: [NftChain(name: "POSTROUTING", hook: .init(type: "nat", hook: hook, priority: 100), rules: rules)]
        )
    }

    /// Seed 002 before the fix: `-s 172.1.13.0/24 ! -o docker0 -j MASQUERADE`.
    @Test func seed002RuleIsFound() {
        let rule = NftRule(
            [.sourceAddress(Self.own, negated: false), .outputInterface("docker0", negated: true), .counter],
            .masquerade(fullyRandom: false)
        )
        let findings = Self.audit.findings(in: [Self.nat([rule])])
        #expect(findings.count == 1)
        #expect(findings.first?.certain == true)
        #expect(findings.first?.description.contains("ip daddr != 172.1.0.0/16") == true)
    }

    /// Seed 002 after the fix: `! -d 172.1.0.0/16` added.
    @Test func seed002FixedRuleIsFine() {
        let rule = NftRule(
            [.sourceAddress(Self.own, negated: false), .destinationAddress(Self.cluster, negated: true),
             .outputInterface("docker0", negated: true)],
            .masquerade(fullyRandom: false)
        )
        #expect(Self.audit.findings(in: [Self.nat([rule])]).isEmpty)
    }

    @Test func aReturnForTheClusterBeforeTheMasqueradeExempts() {
        let exempt = NftRule([.destinationAddress(Self.cluster, negated: false)], .return)
        let masquerade = NftRule([.sourceAddress(Self.own, negated: false)], .masquerade(fullyRandom: true))
        #expect(Self.audit.findings(in: [Self.nat([exempt, masquerade])]).isEmpty)
        #expect(Self.audit.findings(in: [Self.nat([masquerade, exempt])]).count == 1)
    }

    @Test func rulesThatCannotMatchPodTrafficAreIgnored() {
        let rules = [
            NftRule([.sourceAddress(IPv4Prefix(address: IPv4Address(10, 99, 0, 0), length: 16), negated: false)], .masquerade(fullyRandom: false)),
            NftRule([.mark(mask: 0x4000, value: 0x4000)], .masquerade(fullyRandom: false)),
            NftRule([.outputInterface("docker0", negated: false)], .masquerade(fullyRandom: false)),
            NftRule([.destinationAddress(IPv4Prefix(address: IPv4Address(8, 8, 8, 0), length: 24), negated: false)], .masquerade(fullyRandom: false)),
        ]
        #expect(Self.audit.findings(in: [Self.nat(rules)]).isEmpty)
        #expect(Self.audit.findings(in: [Self.nat(rules, hook: "prerouting")]).isEmpty)
    }

    @Test func flannelsOwnTableIsNotAudited() {
        var table = Self.nat([NftRule([], .masquerade(fullyRandom: true))])
        table.key = NftTable.flannelKey
        #expect(Self.audit.findings(in: [table]).isEmpty)
    }

    @Test func unknownExpressionsMakeAFindingUncertain() {
        let rule = NftRule([.other("ct state new")], .masquerade(fullyRandom: false))
        let findings = Self.audit.findings(in: [Self.nat([rule], family: .inet)])
        #expect(findings.map(\.certain) == [false])
        #expect(findings.first?.description.contains("may masquerade") == true)
    }
}
