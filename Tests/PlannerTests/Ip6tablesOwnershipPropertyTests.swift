import Desired
import NetState
import Planner
import Testing
import TestSupport

/// The IPv6 law of iptables mode, on random dual-stack shared tables: whatever kube-proxy,
/// Docker, firewalld and the operator put in `ip6 nat` and `ip6 filter` (beside `ip nat` and
/// `ip filter`), and whatever state flannel's IPv6 rules are in (any version's `MasqIP6Rules`
/// layout, one rule missing, a duplicated jump, an old lease, nothing), the plan (1) passes the
/// executor's ownership check, (2) applied as the kernel would leaves every foreign rule of
/// every table in place, in order, with its handle, (3) leaves a state the next plan finds
/// satisfied, and (4) is empty whenever layouts were in place untouched.
@Suite struct Ip6tablesOwnershipPropertyTests {
    static let cluster4 = IPv4Prefix("10.244.0.0/16")!
    static let lease4 = IPv4Prefix("10.244.7.0/24")!
    static let cluster6 = IPv6Prefix("fd00:10:244::/56")!
    static let lease6 = IPv6Prefix("fd00:10:244:7::/64")!
    static let oldLease6 = IPv6Prefix("fd00:10:244:9::/64")!

    static func v6(_ text: String) -> IPv6Prefix { IPv6Prefix(text)! }

    /// kube-proxy's IPv6 shapes (iptables mode), Docker's, an operator's masquerade of the pod
    /// range without exclusion of the cluster, a hand copy of flannel's comment.
    static let foreignNat6: [NftRule] = [
        NftRule([.comment("kubernetes postrouting rules"), .counter], .jump("KUBE-POSTROUTING")),
        NftRule([.sourceAddress6(v6("fd00:dead::/64"), negated: false), .outputInterface("docker0", negated: true), .counter],
                .masquerade(fullyRandom: false)),
        NftRule([.sourceAddress6(v6("fd00:10:244:7::/64"), negated: false), .outputInterface("ens3", negated: true)],
                .masquerade(fullyRandom: false)),
        NftRule([.mark(mask: 0x4000, value: 0x4000), .counter], .masquerade(fullyRandom: true)),
        NftRule([.comment("flanneld masq (copy by hand)"), .counter], .accept),
        NftRule([.destinationAddress6(v6("ff00::/8"), negated: false), .counter], .return),
    ]
    static let foreignFilter6: [NftRule] = [
        NftRule([.comment("kubernetes forwarding rules"), .counter], .jump("KUBE-FORWARD")),
        NftRule([.other("ct state invalid"), .counter], .drop),
        NftRule([.sourceAddress6(v6("fd00:10:244::/56"), negated: false), .counter], .accept),
        NftRule([.counter], .drop),
    ]
    static let foreignNat4: [NftRule] = [
        NftRule([.comment("kubernetes postrouting rules"), .counter], .jump("KUBE-POSTROUTING")),
        NftRule([.sourceAddress(IPv4Prefix("172.17.0.0/16")!, negated: false), .counter], .masquerade(fullyRandom: false)),
    ]

    static var desired: NetworkState {
        NetworkState(iptables: [
            FlannelIptablesRules.masquerade(cluster: cluster4, lease: lease4, fullyRandom: true),
            FlannelIptablesRules.forward(cluster: cluster4),
            FlannelIptablesRules.masquerade(cluster: cluster6, lease: lease6, fullyRandom: true),
            FlannelIptablesRules.forward(cluster: cluster6),
        ])
    }

    static var ownership: Ownership {
        Ownership(
            ipv4: .init(cluster: .v4(cluster4), ownSubnet: .v4(lease4), subnetLengths: [24]),
            ipv6: .init(cluster: .v6(cluster6), ownSubnet: .v6(lease6), subnetLengths: [64]),
            vxlanDevice: "flannel.1", underlay: "eth0"
        )
    }

    struct Built {
        var state: NetworkState
        var untouched: Bool
    }

    static func build(_ random: inout SplitMix64) -> Built {
        var untouched = true
        var handle: UInt64 = 1
        func numbered(_ rules: [NftRule]) -> [NftRule] {
            rules.map { rule in
                var copy = rule
                copy.handle = handle
                handle += 1
                return copy
            }
        }
        var tables: [NftTable] = []
        let shapes: [(NftTable.Key, String, [NftRule])] = [
            (IptablesNames.nat, "POSTROUTING", foreignNat4), (IptablesNames.filter, "FORWARD", []),
            (IptablesNames.nat6, "POSTROUTING", foreignNat6), (IptablesNames.filter6, "FORWARD", foreignFilter6),
        ]
        for (key, base, foreign) in shapes {
            let isIPv6 = key.family == .ip6
            guard !isIPv6 || random.chance(0.9) else { untouched = false; continue }
            // The IPv4 tables hold flannel's current layout (they are not what is judged here,
            // but a change to them must never move an IPv6 rule, nor the other way round).
            let oldSubnet = isIPv6 && random.chance(0.15), plain = isIPv6 && random.chance(0.1)
            let set: IptablesRuleSet = switch (key.name, isIPv6) {
            case ("nat", false): FlannelIptablesRules.masquerade(cluster: cluster4, lease: lease4, fullyRandom: true)
            case (_, false): FlannelIptablesRules.forward(cluster: cluster4)
            case ("nat", true):
                FlannelIptablesRules.masquerade(cluster: cluster6, lease: oldSubnet ? oldLease6 : lease6, fullyRandom: !plain)
            default: FlannelIptablesRules.forward(cluster: cluster6)
            }
            if oldSubnet || plain { untouched = false }
            var chains: [String: [NftRule]] = [base: foreign.filter { _ in random.chance(0.5) }.shuffled(using: &random)]
            var order = [base]
            if !isIPv6 || random.chance(0.85) {
                let layout = isIPv6 ? random.pick(set.accepted) : set.layout
                for rule in layout.rules {
                    if isIPv6 && random.chance(0.05) { untouched = false; continue }
                    if chains[rule.chain] == nil { chains[rule.chain] = []; order.append(rule.chain) }
                    let inserted = IptablesNames.entersFlannelChain(rule.rule) && random.chance(0.3)
                    let at = inserted ? 0 : chains[rule.chain, default: []].count
                    chains[rule.chain, default: []].insert(rule.rule, at: at)
                    if isIPv6 && random.chance(0.03) { chains[rule.chain, default: []].append(rule.rule); untouched = false }
                }
                if isIPv6 && random.chance(0.1), let older = set.accepted.last {
                    for rule in older.rules where rule.chain == base { chains[base, default: []].append(rule.rule) }
                    untouched = false
                }
            } else {
                untouched = false
            }
            tables.append(NftTable(key: key, chains: order.map { name in
                NftChain(name: name, hook: IptablesNames.baseChain(name, in: key), rules: numbered(chains[name] ?? []))
            }))
        }
        return Built(state: NetworkState(tables: tables), untouched: untouched)
    }

    static func foreign(_ state: NetworkState) -> [String] {
        state.sortedTables.flatMap { table in
            table.chains.flatMap { chain in
                chain.rules.filter { !ownership.ownsIptablesRule($0, chain: chain.name, table: table.key) }
                    .map { "\(table.key.family) \(table.key.name) \(chain.name) #\($0.handle ?? 0) \($0)" }
            }
        }
    }

    @Test func foreignIPv6RulesAreNeverTouchedAndOnePlanConverges() throws {
        var problems: [String] = []
        var rewritten = 0, emptyPlans = 0
        for seed in UInt64(0)..<1500 {
            var random = SplitMix64(seed: seed &+ 0x6_0000)
            let built = Self.build(&random)
            let plan = Planner.plan(desired: Self.desired, observed: built.state, ownership: Self.ownership)
            if let (change, reason) = plan.ownership.firstRefusal(in: plan.changes) {
                problems.append("seed \(seed): refused \(change): \(reason)")
                continue
            }
            if plan.changes.contains(where: { change in
                if case let .iptables(iptables) = change { return iptables.table.family != .ip6 }
                return true
            }) {
                problems.append("seed \(seed): the IPv4 tables, in place, were changed: \(plan.changes.map(\.description))")
            }
            var after = built.state
            do {
                try KernelModel.apply(plan.changes, to: &after)
            } catch {
                problems.append("seed \(seed): the kernel refuses: \(error)")
                continue
            }
            if Self.foreign(after) != Self.foreign(built.state) {
                problems.append("seed \(seed): foreign rules changed by \(plan.changes.map(\.description))")
            }
            let again = Planner.plan(desired: Self.desired, observed: after, ownership: Self.ownership)
            if !again.isEmpty { problems.append("seed \(seed): a second plan is not empty: \(again.changes.map(\.description))") }
            if plan.isEmpty { emptyPlans += 1 } else { rewritten += 1 }
            if built.untouched && !plan.isEmpty {
                problems.append("seed \(seed): a layout in place was rewritten: \(plan.changes.map(\.description))")
            }
        }
        #expect(problems.isEmpty, "\(problems.prefix(5).joined(separator: "\n"))")
        #expect(rewritten > 200 && emptyPlans > 200, "the generator exercises both: \(rewritten) rewritten, \(emptyPlans) empty")
    }

    /// Without IPv6 (the net-conf turned it off), flannel's IPv6 chains and rules are its
    /// leftovers: they go, and only they.
    @Test func withoutIPv6FlannelsIPv6RulesGoAndNothingElse() throws {
        let ipv4Only = Ownership(cluster: Self.cluster4, ownSubnet: Self.lease4, vxlanDevice: "flannel.1", underlay: "eth0", subnetLengths: [24])
        let desired = NetworkState(iptables: [
            FlannelIptablesRules.masquerade(cluster: Self.cluster4, lease: Self.lease4, fullyRandom: true),
            FlannelIptablesRules.forward(cluster: Self.cluster4),
        ])
        for seed in UInt64(0)..<300 {
            var random = SplitMix64(seed: seed &+ 0x6_1000)
            let built = Self.build(&random)
            let plan = Planner.plan(desired: desired, observed: built.state, ownership: ipv4Only)
            #expect(plan.ownership.firstRefusal(in: plan.changes).map { "\($0.change): \($0.reason)" } == nil)
            var after = built.state
            try KernelModel.apply(plan.changes, to: &after)
            #expect(Self.foreign(after) == Self.foreign(built.state), "seed \(seed)")
            for key in [IptablesNames.nat6, IptablesNames.filter6] {
                if let table = after.tables[key] {
                    #expect(Ownership.iptablesListing(of: table).lines.isEmpty, "seed \(seed): \(key) keeps flannel's rules")
                }
            }
            #expect(Planner.plan(desired: desired, observed: after, ownership: ipv4Only).isEmpty, "seed \(seed)")
        }
    }
}
