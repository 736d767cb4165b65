import NetState

/// Plans flannel's iptables-mode rules in the shared iptables-nft tables.
///
/// flanneld re-checks its rules every 5 s (`iptables -C`) and rewrites them when one is
/// missing, so rewriting rules it is content with would start a fight. Hence: when any layout a
/// flannel version writes is in place (`IptablesRuleSet.accepted`), nothing of it is touched;
/// only owned rules outside it (a duplicated jump, an old version's leftover under flannel's
/// comment, our own rules beside the ones an older flanneld re-added) are removed. When none is
/// in place, the layout whose remains are there is completed (the flanneld that wrote it would
/// otherwise re-add its own beside ours, every 5 s), and with nothing left (a firewall reload
/// flushed them, flannel #1668) the current layout is written; in-order rules stay. Owned rules where nothing is wanted (ip-masq off, `EnableNFTables: true`) are
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
            guard var change = change(want: desired[key], table: table, key: key, ownership: ownership) else { continue }
            // A flannel chain goes in a transaction of its own, after the rules: a jump into it
            // from a chain this tool does not read (or a verdict map) makes the kernel refuse its
            // deletion (EBUSY), and that must not undo the repair of the rules.
            let chains = change.deletedChains
            if !chains.isEmpty && !(change.deletes.isEmpty && change.appends.isEmpty && change.newChains.isEmpty) {
                change.deletedChains = []
                changes.append(.iptables(change))
                changes.append(.iptables(IptablesChange(table: key, deletedChains: chains)))
            } else {
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
        // Of the layouts in place, the one written last stays: rule handles only grow, so its
        // oldest rule is the newest. After an upgrade that is the new flanneld's layout (the old
        // one's leftovers go); beside an older flanneld that re-added its rules next to ours, its
        // own (ours go, and it stays quiet). On equal age the newer layout wins.
        // A layout is in place when all its rules are there in order, as flanneld's `iptables
        // -C` finds them (rules of others may sit between; owned ones there go as strays). One
        // in place only as part of a larger one (v0.20.0's rules inside v0.20.2's) is that one.
        let found = want.accepted.map { kept(of: $0, in: chains) }
        let complete = zip(want.accepted, found).filter { $0.1.count == $0.0.rules.count }
        var chosen: (layout: IptablesLayout, used: Set<Place>, age: UInt64)?
        for (layout, used) in complete where !complete.contains(where: { used.isStrictSubset(of: $0.1) }) {
            let age = used.map { chains[$0.chain].rules[$0.rule].handle ?? 0 }.min() ?? 0
            if chosen == nil || age > chosen?.age ?? 0 { chosen = (layout, used, age) }
        }
        if let chosen {
            return removal(keeping: chosen.used, layoutChain: chosen.layout.chain, chains: chains, owned: owned, key: key)
        }
        // Complete the layout most of whose rules are there: the flanneld that wrote them checks
        // for its own rules and would put them back beside any other layout (measured with
        // v0.18.1 and v0.20.2), so writing the current one over its remains would start a fight.
        // With nothing of flannel's left, the current layout.
        // On a tie (only the jump left, which v0.20+ layouts share) the newer layout wins.
        var best = 0
        for index in found.indices.dropFirst() where found[index].count > found[best].count { best = index }
        return rewrite(to: want.accepted[best], keeping: found[best], table: table, owned: owned, key: key)
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

    /// The rules of `layout` that are in place and can stay: per chain, in order, up to the
    /// first one missing (a rule after a gap cannot stay: what is appended goes after it).
    static func kept(of layout: IptablesLayout, in chains: [NftChain]) -> Set<Place> {
        var kept: Set<Place> = []
        for name in layout.chains {
            guard let index = chains.firstIndex(where: { $0.name == name }) else { continue }
            let have = chains[index].rules
            var next = 0
            for wanted in layout.rules(in: name) {
                guard let found = have[next...].firstIndex(of: wanted) else { break }
                kept.insert(Place(chain: index, rule: found))
                next = found + 1
            }
        }
        return kept
    }

    /// The transaction that writes `layout`: what is in place in order stays, the rest of the
    /// layout is appended, every other owned rule goes.
    private static func rewrite(
        to layout: IptablesLayout, keeping keep: Set<Place>, table: NftTable?, owned: [Place], key: NftTable.Key
    ) -> IptablesChange {
        let chains = table?.chains ?? []
        var change = IptablesChange(table: key, createsTable: table == nil, layout: layout.name)
        for name in layout.chains {
            let want = layout.rules(in: name)
            guard let index = chains.firstIndex(where: { $0.name == name }) else {
                change.newChains.append(NftChain(name: name, hook: IptablesNames.baseChain(name, in: key), rules: []))
                change.appends += want.map { IptablesRule(chain: name, rule: $0) }
                continue
            }
            let keptHere = keep.filter { $0.chain == index }.count
            change.appends += want[keptHere...].map { IptablesRule(chain: name, rule: $0) }
        }
        change.deletes = owned.filter { !keep.contains($0) }.map { rule(at: $0, in: chains) }
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
