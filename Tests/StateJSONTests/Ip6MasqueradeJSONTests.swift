import Foundation
import NetState
import Planner
import StateJSON
import Testing

/// IPv6 MASQUERADE changes in plan files and snapshots: the same kinds (`iptables`, `nft`) with
/// `ip6` tables and `ip6 saddr`/`ip6 daddr` matches, round-tripping exactly.
@Suite struct Ip6MasqueradeJSONTests {
    static let cluster = IPv6Prefix("fd00:10:244::/56")!
    static let lease = IPv6Prefix("fd00:10:244:1::/64")!

    static let comment = NftMatch.comment(IptablesNames.masqueradeComment)
    /// Two of flannel's IPv6 rules, as `FlannelIptablesRules` builds them.
    static let rules = [
        IptablesRule(chain: "POSTROUTING", rule: NftRule([comment, .counter], .jump(IptablesNames.masqueradeChain))),
        IptablesRule(chain: IptablesNames.masqueradeChain, rule: NftRule(
            [.sourceAddress6(lease, negated: false), .destinationAddress6(cluster, negated: false), comment, .counter], .return
        )),
        IptablesRule(chain: IptablesNames.masqueradeChain, rule: NftRule(
            [.sourceAddress6(cluster, negated: false), .destinationAddress6(.multicast, negated: true), comment, .counter],
            .masquerade(fullyRandom: true)
        )),
    ]
    /// `ip6 flannel-ipv6`'s forward chain.
    static let table = NftTable(key: NftTable.flannel6Key, comment: "rules for flannel-ipv6", chains: [
        NftChain(name: "forward", hook: .init(type: "filter", hook: "forward", priority: 0), rules: [
            NftRule([.sourceAddress6(cluster, negated: false)], .accept), NftRule([.destinationAddress6(cluster, negated: false)], .accept),
        ]),
    ])

    static var changes: [Change] {
        var stale = IptablesRule(chain: "POSTROUTING", rule: NftRule([.sourceAddress6(cluster, negated: false), comment, .counter], .return))
        stale.rule.handle = 12
        return [
            .iptables(IptablesChange(
                table: IptablesNames.nat6, createsTable: true,
                newChains: [NftChain(name: "POSTROUTING", hook: IptablesNames.baseChain("POSTROUTING", in: IptablesNames.nat6), rules: []),
                            NftChain(name: IptablesNames.masqueradeChain, hook: nil, rules: [])],
                deletes: [stale], appends: rules, layout: "flannel v0.21+"
            )),
            .table(.create(table)),
            .table(.delete(table)),
        ]
    }

    @Test(arguments: changes)
    func roundTrips(change: Change) throws {
        let bytes = StateJSONTests.write(change, PlanFormats.change)
        #expect(try StateJSONTests.read(bytes, PlanFormats.change) == change)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains(#""family" : "ip6""#), "\(text)")
        if case .iptables = change {
            #expect(text.contains(#""ip6 saddr fd00:10:244:1::/64""#), "\(text)")
            #expect(text.contains(#""ip6 daddr != ff00::/8""#), "\(text)")
        }
    }

    @Test func snapshotsKeepIPv6Tables() throws {
        var state = NetworkState()
        state.tables[IptablesNames.nat6] = NftTable(key: IptablesNames.nat6, chains: [
            NftChain(name: "POSTROUTING", hook: IptablesNames.baseChain("POSTROUTING", in: IptablesNames.nat6), rules: [Self.rules[0].rule]),
            NftChain(name: IptablesNames.masqueradeChain, hook: nil, rules: Self.rules.dropFirst().map(\.rule)),
        ])
        state.tables[NftTable.flannel6Key] = Self.table
        let bytes = StateJSONTests.write(state, StateFormats.state)
        #expect(try StateJSONTests.read(bytes, StateFormats.state) == state)
    }
}
