import Desired
import NetState
import Planner
import Testing
import TestSupport

/// The law of iptables mode, on random shared tables: whatever other owners put in `ip nat` and
/// `ip filter` (kube-proxy, Docker, firewalld shapes, the operator's own rules, with and without
/// comments and counters), and whatever state flannel's rules are in (any version's layout, one
/// rule missing, a duplicated jump, an old lease, an older version beside a newer, nothing), the
/// plan (1) is accepted by the executor's ownership check, (2) applied as the kernel would
/// apply it leaves every foreign rule in place, in its order, with its handle, (3) leaves a state
/// the next plan finds satisfied (empty), and (4) is empty whenever a flannel layout was
/// already in place untouched.
@Suite struct IptablesOwnershipPropertyTests {
    static let cluster = IPv4Prefix(address: IPv4Address(10, 244, 0, 0), length: 16)
    static let lease = IPv4Prefix(address: IPv4Address(10, 244, 7, 0), length: 24)
    static let oldLease = IPv4Prefix(address: IPv4Address(10, 244, 9, 0), length: 24)

    static func prefix(_ text: String) -> IPv4Prefix { IPv4Prefix(text)! }

    /// Rules other owners write into the same chains.
    static let foreignNat: [NftRule] = [
        NftRule([.comment("kubernetes postrouting rules"), .counter], .jump("KUBE-POSTROUTING")),
        NftRule([.sourceAddress(prefix("172.17.0.0/16"), negated: false), .outputInterface("docker0", negated: true), .counter],
                .masquerade(fullyRandom: false)),
        NftRule([.counter], .jump("POSTROUTING_direct")),
        NftRule([.sourceAddress(prefix("10.244.7.0/24"), negated: false), .outputInterface("ens3", negated: true)],
                .masquerade(fullyRandom: false)),
        NftRule([.mark(mask: 0x4000, value: 0x4000), .counter], .return),
        NftRule([.comment("flanneld masq (copy by hand)"), .counter], .accept),
        NftRule([.other("ct state established,related"), .counter], .accept),
    ]
    static let foreignFilter: [NftRule] = [
        NftRule([.comment("kubernetes forwarding rules"), .counter], .jump("KUBE-FORWARD")),
        NftRule([.counter], .jump("DOCKER-USER")),
        NftRule([.outputInterface("docker0", negated: false), .counter], .jump("DOCKER")),
        NftRule([.sourceAddress(prefix("10.244.0.0/16"), negated: false), .counter], .accept),
        NftRule([.counter], .drop),
    ]

    struct Built {
        var state: NetworkState
        var untouched: Bool
    }

    /// A random pair of shared tables.
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
        for (key, base, foreign) in [
            (IptablesNames.nat, "POSTROUTING", foreignNat), (IptablesNames.filter, "FORWARD", foreignFilter),
        ] where random.chance(0.9) {
            // Mostly this node's rules; sometimes those of an old lease, without --random-fully,
            // or of another cluster CIDR: then they do not satisfy.
            let (oldSubnet, plainMasquerade, otherCluster) = (random.chance(0.15), random.chance(0.1), random.chance(0.1))
            let set = key == IptablesNames.nat
                ? FlannelIptablesRules.masquerade(cluster: cluster, lease: oldSubnet ? oldLease : lease, fullyRandom: !plainMasquerade)
                : FlannelIptablesRules.forward(cluster: otherCluster ? prefix("10.96.0.0/12") : cluster)
            if key == IptablesNames.nat ? oldSubnet || plainMasquerade : otherCluster { untouched = false }
            var chains: [String: [NftRule]] = [base: foreign.filter { _ in random.chance(0.5) }.shuffled(using: &random)]
            var order = [base]
            if random.chance(0.85) {
                let layout = random.pick(set.accepted)
                for rule in layout.rules {
                    if random.chance(0.05) { untouched = false; continue }  // flushed by a firewall reload
                    if chains[rule.chain] == nil { chains[rule.chain] = []; order.append(rule.chain) }
                    // A jump inserted at the top (v0.20.0-v0.21.2) or appended (later).
                    let inserted = IptablesNames.entersFlannelChain(rule.rule) && random.chance(0.3)
                    let at = inserted ? 0 : chains[rule.chain, default: []].count
                    chains[rule.chain, default: []].insert(rule.rule, at: at)
                    if random.chance(0.03) { chains[rule.chain, default: []].append(rule.rule); untouched = false }
                }
                if random.chance(0.1), let older = set.accepted.last {  // an older version's leftovers beside it
                    for rule in older.rules where rule.chain == base { chains[base, default: []].append(rule.rule) }
                    untouched = false
                }
            } else {
                untouched = false
            }
            if random.chance(0.1) {  // flannel's chain in the other table (flanneld's nft-mode clean-up looks there)
                let stray = key == IptablesNames.nat ? IptablesNames.forwardChain : IptablesNames.masqueradeChain
                if chains[stray] == nil { chains[stray] = []; order.append(stray) }
                untouched = false
            }
            tables.append(NftTable(key: key, chains: order.map { name in
                NftChain(name: name, hook: IptablesNames.baseChain(name, in: key), rules: numbered(chains[name] ?? []))
            }))
        }
        return Built(state: NetworkState(tables: tables), untouched: untouched)
    }

    static func foreign(_ state: NetworkState, ownership: Ownership) -> [String] {
        state.sortedTables.flatMap { table in
            table.chains.flatMap { chain in
                chain.rules.filter { !ownership.ownsIptablesRule($0, chain: chain.name, table: table.key) }
                    .map { "\(table.key.name) \(chain.name) #\($0.handle ?? 0) \($0)" }
            }
        }
    }

    @Test func foreignRulesAreNeverTouchedAndOnePlanConverges() throws {
        let ownership = Ownership(cluster: Self.cluster, ownSubnet: Self.lease, vxlanDevice: "flannel.1", underlay: "eth0", subnetLengths: [24])
        let desired = NetworkState(iptables: [
            FlannelIptablesRules.masquerade(cluster: Self.cluster, lease: Self.lease, fullyRandom: true),
            FlannelIptablesRules.forward(cluster: Self.cluster),
        ])
        var problems: [String] = []
        var rewritten = 0, emptyPlans = 0
        for seed in UInt64(0)..<2000 {
            var random = SplitMix64(seed: seed)
            let built = Self.build(&random)
            let plan = Planner.plan(desired: desired, observed: built.state, ownership: ownership)
            if let (change, reason) = plan.ownership.firstRefusal(in: plan.changes) {
                problems.append("seed \(seed): refused \(change): \(reason)")
                continue
            }
            var after = built.state
            do {
                try KernelModel.apply(plan.changes, to: &after)
            } catch {
                problems.append("seed \(seed): the kernel refuses: \(error)")
                continue
            }
            if Self.foreign(after, ownership: ownership) != Self.foreign(built.state, ownership: ownership) {
                problems.append("seed \(seed): foreign rules changed by \(plan.changes.map(\.description))")
            }
            let again = Planner.plan(desired: desired, observed: after, ownership: ownership)
            if !again.isEmpty { problems.append("seed \(seed): a second plan is not empty: \(again.changes.map(\.description))") }
            if plan.isEmpty { emptyPlans += 1 } else { rewritten += 1 }
            if built.untouched && !plan.isEmpty && built.state.tables.count == 2 {
                problems.append("seed \(seed): a layout in place was rewritten: \(plan.changes.map(\.description))")
            }
        }
        #expect(problems.isEmpty, "\(problems.prefix(5).joined(separator: "\n"))")
        #expect(rewritten > 200 && emptyPlans > 200, "the generator exercises both: \(rewritten) rewritten, \(emptyPlans) empty")
    }

    /// Two complete layouts: the one written last stays (measured with real flanneld v0.18.1:
    /// after our current layout filled a flushed nat table, flanneld re-added its own four
    /// rules beside it, and removing those started a fight every 5 s). After an upgrade it is
    /// the other way round: the new flanneld's layout is the newer, the old rules go.
    @Test(arguments: [true, false])
    func ofTwoLayoutsInPlaceTheOneWrittenLastStays(olderWrittenLast: Bool) throws {
        let set = FlannelIptablesRules.masquerade(cluster: Self.cluster, lease: Self.lease, fullyRandom: true)
        let current = set.layout
        let v018 = try #require(set.accepted.last)
        func numbered(_ rules: [NftRule], from first: UInt64) -> [NftRule] {
            rules.enumerated().map { index, rule in
                var copy = rule
                copy.handle = first + UInt64(index)
                return copy
            }
        }
        let (currentFirst, olderFirst): (UInt64, UInt64) = olderWrittenLast ? (10, 100) : (100, 10)
        let postrouting = numbered(current.rules(in: "POSTROUTING"), from: currentFirst)
            + numbered(v018.rules(in: "POSTROUTING"), from: olderFirst)
        let nat = NftTable(key: IptablesNames.nat, chains: [
            NftChain(name: "POSTROUTING", hook: IptablesNames.baseChain("POSTROUTING", in: IptablesNames.nat), rules: postrouting),
            NftChain(name: IptablesNames.masqueradeChain, hook: nil, rules: numbered(current.rules(in: IptablesNames.masqueradeChain), from: currentFirst + 1)),
        ])
        let ownership = Ownership(cluster: Self.cluster, ownSubnet: Self.lease, vxlanDevice: "flannel.1", underlay: "eth0", subnetLengths: [24])
        let plan = Planner.plan(desired: NetworkState(iptables: [set]), observed: NetworkState(tables: [nat]), ownership: ownership)
        let changes = plan.changes.compactMap { change -> IptablesChange? in
            if case let .iptables(iptables) = change { return iptables } else { return nil }
        }
        #expect(changes.count == plan.changes.count && changes.allSatisfy(\.appends.isEmpty))
        if olderWrittenLast {
            #expect(changes.flatMap(\.deletedChains) == [IptablesNames.masqueradeChain])
            #expect(changes.flatMap(\.deletes).count == current.rules.count, "our jump and chain go")
        } else {
            #expect(changes.flatMap(\.deletedChains).isEmpty)
            #expect(changes.flatMap(\.deletes).map(\.rule) == v018.rules.map(\.rule), "the old version's leftovers go")
        }
        var after = NetworkState(tables: [nat])
        try KernelModel.apply(plan.changes, to: &after)
        #expect(Planner.plan(desired: NetworkState(iptables: [set]), observed: after, ownership: ownership).isEmpty)
    }
}

