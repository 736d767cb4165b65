import Desired
import NetState
import Planner
import Testing

/// What a person and a shell read of flannel's iptables-mode rules, against hostile kernel
/// names (found in review: a rule read from a snapshot or the kernel must never become shell
/// commands, nor fake lines of a plan).
@Suite struct IptablesWordsAndScriptTests {
    static let hostileInterface = "x\t-j\tACCEPT\nCOMMIT\n#\r\nIPTABLES\ntouch\t/tmp/pwned;#"

    static func delete(_ rule: NftRule, chain: String = "POSTROUTING") -> IptablesChange {
        IptablesChange(table: IptablesNames.nat, deletes: [IptablesRule(chain: chain, rule: rule)])
    }

    @Test func aHostileInterfaceNeverReachesTheShellOrTheTextAsLines() {
        var rule = NftRule([.outputInterface(Self.hostileInterface, negated: false), .comment("flanneld masq"), .counter], .accept)
        rule.handle = 40
        let words = rule.iptablesWords(chain: "POSTROUTING")
        #expect(!words.contains("\n") && !words.contains("\r"))
        #expect(words.hasPrefix("-A POSTROUTING -o [interface "))
        let change = Self.delete(rule)
        for line in change.lines { #expect(!line.contains("\n") && !line.contains("\r")) }
        let commands = PlanScript.commands(for: .iptables(change))
        #expect(commands == ["nft delete rule ip nat POSTROUTING handle 40"])
    }

    @Test func aChainNameWithALineBreakIsQuotedForTheShellAndBracketedInText() {
        var rule = NftRule([.comment("flanneld masq"), .counter], .jump("FLANNEL-POSTRTG"))
        rule.handle = 7
        let chain = "MY CHAIN\nx"
        #expect(rule.iptablesWords(chain: chain).hasPrefix(#"-A [chain "MY CHAIN\nx"] "#))
        let commands = PlanScript.commands(for: .iptables(Self.delete(rule, chain: chain)))
        #expect(commands == ["nft delete rule ip nat 'MY CHAIN\nx' handle 7"])
        // Without a handle there are no safe words to delete it by: the script stops there.
        rule.handle = nil
        let stopped = PlanScript.commands(for: .iptables(Self.delete(rule, chain: chain)))
        #expect(stopped.count == 1 && stopped[0].hasPrefix("false  # "))
        #expect(!stopped[0].contains("\n"))
    }

    /// Two identical owned rules: the plan deletes the later one by handle; `-D` by words would
    /// take the first.
    @Test func deletesNameTheHandleNotTheWords() {
        var rule = NftRule([.mark(mask: 0x4000, value: 0x4000), .comment("flanneld masq"), .counter], .return)
        rule.handle = 99
        #expect(PlanScript.commands(for: .iptables(Self.delete(rule, chain: "FLANNEL-POSTRTG")))
            == ["nft delete rule ip nat FLANNEL-POSTRTG handle 99"])
    }

    @Test func aDelimiterLineHiddenBehindCarriageReturnNewlineIsAvoided() {
        #expect(ShellWord.heredocDelimiter("IPTABLES", avoiding: ["-A X -o x#\r\nIPTABLES\ntouch /tmp/x"]) == "IPTABLES_1")
    }

    /// iptables-nft encodes `! -o docker0` before `-s`, and `iptables -S` prints `-s` first.
    @Test func headerMatchesAreInIptablesOrder() {
        let rule = NftRule(
            [.outputInterface("lo", negated: false), .inputInterface("lo", negated: false),
             .sourceAddress(IPv4Prefix(address: IPv4Address(1, 2, 3, 4), length: 32), negated: false),
             .outputInterface("docker0", negated: true), .counter],
            .masquerade(fullyRandom: false)
        )
        #expect(rule.iptablesWords(chain: "POSTROUTING") == "-A POSTROUTING -s 1.2.3.4/32 -i lo ! -o docker0 -j MASQUERADE")
    }

    /// libxtables escapes `"`, `\\` and `'` byte by byte; a combining mark after one does not hide it.
    @Test func quotesAreEscapedScalarByScalar() {
        let rule = NftRule([.comment("a\"\u{301} b")], .accept)
        #expect(rule.iptablesWords(chain: "FLANNEL-FWD") == "-A FLANNEL-FWD -m comment --comment \"a\\\"\u{301} b\" -j ACCEPT")
    }

    /// A flannel chain the rules no longer need goes in a transaction of its own, after the
    /// repair: a jump from a chain this tool does not read would make the kernel refuse it, and
    /// that must not take the repair with it.
    @Test func aStrayChainIsDeletedAfterTheRepairSeparately() {
        let set = FlannelIptablesRules.masquerade(
            cluster: IPv4Prefix(address: IPv4Address(10, 244, 0, 0), length: 16),
            lease: IPv4Prefix(address: IPv4Address(10, 244, 1, 0), length: 24), fullyRandom: true
        )
        var handle: UInt64 = 1
        func numbered(_ rules: [NftRule]) -> [NftRule] {
            rules.map { rule in
                var copy = rule
                copy.handle = handle
                handle += 1
                return copy
            }
        }
        let nat = NftTable(key: IptablesNames.nat, chains: [
            NftChain(name: "POSTROUTING", hook: IptablesNames.baseChain("POSTROUTING", in: IptablesNames.nat),
                     rules: numbered(set.layout.rules(in: "POSTROUTING"))),
            NftChain(name: IptablesNames.masqueradeChain, hook: nil, rules: numbered(Array(set.layout.rules(in: IptablesNames.masqueradeChain).dropLast()))),
            NftChain(name: IptablesNames.forwardChain, hook: nil, rules: []),
        ])
        let ownership = Ownership(
            cluster: IPv4Prefix(address: IPv4Address(10, 244, 0, 0), length: 16),
            ownSubnet: IPv4Prefix(address: IPv4Address(10, 244, 1, 0), length: 24), vxlanDevice: "flannel.1", underlay: "eth0",
            subnetLengths: [24]
        )
        let plan = Planner.plan(desired: NetworkState(iptables: [set]), observed: NetworkState(tables: [nat]), ownership: ownership)
        let changes = plan.changes.compactMap { change -> IptablesChange? in
            if case let .iptables(iptables) = change { return iptables } else { return nil }
        }
        #expect(changes.count == 2)
        #expect(changes.first?.appends.count == 1 && changes.first?.deletedChains.isEmpty == true)
        #expect(changes.last?.deletedChains == [IptablesNames.forwardChain] && changes.last?.appends.isEmpty == true)
        #expect(plan.changes.last?.description == "- iptables -t nat: flannel's chain FLANNEL-FWD removed (in one transaction)")
    }

    /// Sixteen chains, each jumping four times to the next: walked once each, not 4^16 times.
    @Test func theAuditWalksEachChainOnce() {
        var chains = [NftChain(
            name: "POSTROUTING", hook: IptablesNames.baseChain("POSTROUTING", in: IptablesNames.nat),
            rules: [NftRule([], .jump("C0")), NftRule([.sourceAddress(IPv4Prefix(address: IPv4Address(10, 244, 1, 0), length: 24), negated: false)], .masquerade(fullyRandom: false))]
        )]
        for level in 0..<16 {
            chains.append(NftChain(name: "C\(level)", hook: nil, rules: Array(repeating: NftRule([], .jump("C\(level + 1)")), count: 4)))
        }
        let audit = MasqueradeAudit(
            cluster: IPv4Prefix(address: IPv4Address(10, 244, 0, 0), length: 16),
            ownSubnet: IPv4Prefix(address: IPv4Address(10, 244, 1, 0), length: 24), underlay: "eth0", vxlanDevice: "flannel.1"
        )
        #expect(audit.findings(in: [NftTable(key: IptablesNames.nat, chains: chains)]).count == 1)
    }
}
