import NetState

/// Plans flannel's iptables-mode rules in the shared iptables-nft tables.
///
/// flanneld re-checks its rules every 5 s (`iptables -C`) and rewrites them when one is
/// missing, so rewriting rules it is content with would start a fight. Hence: when any layout a
/// flannel version writes is in place (`IptablesRuleSet.accepted`), nothing of it is touched;
/// only owned rules outside it (a duplicated jump, an old version's leftover under flannel's
/// comment) are removed. When none is in place (a firewall reload flushed them, flannel #1668),
/// the current layout is written with as little change as ordered rules allow: the rules of
/// flannel's chain that already match its beginning stay, the rest is replaced; a correct jump
/// stays. Owned rules where nothing is wanted (ip-masq off, `EnableNFTables: true`) are
/// removed with flannel's chains.
enum IptablesPlanner {
    /// A rule's place in an observed table: chain index, rule index.
    struct Place: Hashable {
        var chain: Int
        var rule: Int
    }

    static func changes(
        desired: [NftTable.Key: IptablesRuleSet], observed: [NftTable.Key: NftTable], ownership: Ownership,
        fingerprint: inout FingerprintDigest
    ) -> [Change] {
        var changes: [Change] = []
        for key in IptablesNames.tables {
            let table = observed[key]
            if let table { fingerprint.add(ownership.ownedIptables(in: table)) }
            if let change = change(want: desired[key], table: table, key: key, ownership: ownership) {
                changes.append(.iptables(change))
            }
        }
        return changes
    }

    static func change(want: IptablesRuleSet?, table: NftTable?, key: NftTable.Key, ownership: Ownership) -> IptablesChange? {
        let chains = table?.chains ?? []
        let owned = ownedPlaces(chains, key: key, ownership: ownership)
        guard let want else {
            return removal(keeping: [], layoutChain: nil, chains: chains, owned: owned, key: key)
        }
        for layout in want.accepted {
            if let used = places(of: layout, in: chains) {
                return removal(keeping: used, layoutChain: layout.chain, chains: chains, owned: owned, key: key)
            }
        }
        return rewrite(to: want.layout, table: table, owned: owned, key: key)
    }

    /// Owned rules outside `keeping`, and flannel's chains other than `layoutChain`, removed.
    private static func removal(
        keeping: Set<Place>, layoutChain: String?, chains: [NftChain], owned: [Place], key: NftTable.Key
    ) -> IptablesChange? {
        let strayChains = chains.map(\.name).filter { IptablesNames.flannelChains.contains($0) && $0 != layoutChain }
        let deletes = owned.filter { !keeping.contains($0) }.map { rule(at: $0, in: chains) }
        guard !deletes.isEmpty || !strayChains.isEmpty else { return nil }
        return IptablesChange(table: key, deletes: deletes, deletedChains: strayChains)
    }

    /// Where each rule of `layout` sits in `chains`, or nil when the layout is not in place:
    /// flannel's own chain must hold exactly its rules; in a base chain they must appear in
    /// order, anywhere among other rules.
    static func places(of layout: IptablesLayout, in chains: [NftChain]) -> Set<Place>? {
        var used: Set<Place> = []
        for name in layout.chains {
            guard let index = chains.firstIndex(where: { $0.name == name }) else { return nil }
            let want = layout.rules(in: name)
            let have = chains[index].rules
            if name == layout.chain {
                guard have == want else { return nil }
                used.formUnion(have.indices.map { Place(chain: index, rule: $0) })
            } else {
                var next = 0
                for wanted in want {
                    guard let found = have[next...].firstIndex(of: wanted) else { return nil }
                    used.insert(Place(chain: index, rule: found))
                    next = found + 1
                }
            }
        }
        return used
    }

    /// The transaction that writes `layout`.
    private static func rewrite(to layout: IptablesLayout, table: NftTable?, owned: [Place], key: NftTable.Key) -> IptablesChange {
        let chains = table?.chains ?? []
        var change = IptablesChange(table: key, createsTable: table == nil, layout: layout.name)
        var kept: Set<Place> = []
        for name in layout.chains {
            let want = layout.rules(in: name)
            guard let index = chains.firstIndex(where: { $0.name == name }) else {
                change.newChains.append(NftChain(name: name, hook: IptablesNames.baseChain(name, in: key), rules: []))
                change.appends += want.map { IptablesRule(chain: name, rule: $0) }
                continue
            }
            let have = chains[index].rules
            if name == layout.chain {
                // Ordered: keep the common beginning, replace the rest.
                var common = 0
                while common < min(have.count, want.count) && have[common] == want[common] { common += 1 }
                kept.formUnion((0..<common).map { Place(chain: index, rule: $0) })
                change.appends += want[common...].map { IptablesRule(chain: name, rule: $0) }
            } else {
                // A base chain: a wanted rule already there stays; a missing one is appended.
                for wanted in want {
                    let place = owned.first { $0.chain == index && !kept.contains($0) && have[$0.rule] == wanted }
                    if let place { kept.insert(place) } else { change.appends.append(IptablesRule(chain: name, rule: wanted)) }
                }
            }
        }
        change.deletes = owned.filter { !kept.contains($0) }.map { rule(at: $0, in: chains) }
        change.deletedChains = chains.map(\.name).filter { IptablesNames.flannelChains.contains($0) && $0 != layout.chain }
        return change
    }

    private static func ownedPlaces(_ chains: [NftChain], key: NftTable.Key, ownership: Ownership) -> [Place] {
        var places: [Place] = []
        for (chainIndex, chain) in chains.enumerated() {
            for (ruleIndex, rule) in chain.rules.enumerated()
            where ownership.ownsIptablesRule(rule, chain: chain.name, table: key) {
                places.append(Place(chain: chainIndex, rule: ruleIndex))
            }
        }
        return places
    }

    private static func rule(at place: Place, in chains: [NftChain]) -> IptablesRule {
        IptablesRule(chain: chains[place.chain].name, rule: chains[place.chain].rules[place.rule])
    }
}
