import Desired
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

/// The audit reads a chain in order and follows jumps, as the kernel evaluates it: flannel's own
/// layouts exempt pod-to-pod traffic before their broad MASQUERADE, so they raise nothing; a
/// masquerade after flannel's jump (whose RETURNs return to the caller) still does.
@Suite struct MasqueradeAuditOrderTests {
    static let cluster = IPv4Prefix(address: IPv4Address(10, 244, 0, 0), length: 16)
    static let lease = IPv4Prefix(address: IPv4Address(10, 244, 1, 0), length: 24)
    static let audit = MasqueradeAudit(cluster: cluster, ownSubnet: lease, underlay: "eth0", vxlanDevice: "flannel.1")

    /// A layout as iptables-nft lays it out in `ip nat`, with `extra` appended to POSTROUTING.
    static func nat(_ layout: IptablesLayout, extra: [NftRule] = []) -> NftTable {
        let postrouting = NftChain(
            name: "POSTROUTING", hook: IptablesNames.baseChain("POSTROUTING", in: IptablesNames.nat),
            rules: layout.rules(in: "POSTROUTING") + extra
        )
        let own = layout.chain.map { [NftChain(name: $0, hook: nil, rules: layout.rules(in: $0))] } ?? []
        return NftTable(key: IptablesNames.nat, chains: [postrouting] + own)
    }

    static let layouts = FlannelIptablesRules.masquerade(cluster: cluster, lease: lease, fullyRandom: true).accepted

    /// flannel v0.18's `-s C ! -d 224.0.0.0/4 -j MASQUERADE` follows its `-s C -d C -j RETURN`
    /// in the same chain: no warning (`check` used to warn here).
    @Test(arguments: layouts.map(\.name))
    func flannelsOwnLayoutsRaiseNothing(_ name: String) throws {
        let layout = try #require(Self.layouts.first { $0.name == name })
        #expect(Self.audit.findings(in: [Self.nat(layout)]).isEmpty)
    }

    /// Seed 002's rule after flannel's jump: flannel's RETURNs end only FLANNEL-POSTRTG, so the
    /// packet comes back to POSTROUTING and meets it. After v0.18's RETURN in POSTROUTING itself,
    /// it is never reached.
    @Test(arguments: layouts.map(\.name))
    func aMasqueradeAfterTheLayout(_ name: String) throws {
        let layout = try #require(Self.layouts.first { $0.name == name })
        let seed002 = NftRule(
            [.sourceAddress(Self.lease, negated: false), .outputInterface("docker0", negated: true), .counter],
            .masquerade(fullyRandom: false)
        )
        let findings = Self.audit.findings(in: [Self.nat(layout, extra: [seed002])])
        if layout.chain == nil {
            #expect(findings.isEmpty, "v0.18's RETURN in POSTROUTING ends the chain for pod-to-pod traffic")
        } else {
            #expect(findings.map(\.rule) == [seed002], "\(findings)")
        }
    }

    /// A jump loop or a missing chain does not hang or crash the walk.
    @Test func loopsAndMissingChainsEnd() {
        let a = NftChain(name: "A", hook: nil, rules: [NftRule([], .jump("B")), NftRule([], .jump("MISSING"))])
        let b = NftChain(name: "B", hook: nil, rules: [NftRule([], .jump("A"))])
        let base = NftChain(
            name: "POSTROUTING", hook: IptablesNames.baseChain("POSTROUTING", in: IptablesNames.nat),
            rules: [NftRule([], .jump("A")), NftRule([], .masquerade(fullyRandom: false))]
        )
        let findings = Self.audit.findings(in: [NftTable(key: IptablesNames.nat, chains: [base, a, b])])
        #expect(findings.count == 1)
    }
}
