import NetState
import Testing
@testable import Desired

/// `MasqueradeRules.add`: per family, the MASQUERADE and forward rules in the net-conf's mode.
/// For IPv4 it is exactly what `DesiredState` builds (the IPv6 call is then the same thing with
/// the other family's functions); for IPv6, flannel's IPv6 table or its `ip6 nat`/`ip6 filter`
/// rule sets, never an IPv4 one.
@Suite struct MasqueradeRulesTests {
    typealias F = DesiredFixture
    static let cluster6 = IPv6Prefix("fd00:10:244::/56")!
    static let lease6 = IPv6Prefix("fd00:10:244:1::/64")!

    static let settings: [(nfTables: Bool, ipMasq: Bool, fullyRandom: Bool, forwardRules: Bool)] = [
        (false, true, true, true), (false, true, false, true), (false, false, true, true), (false, true, true, false),
        (false, false, true, false), (true, true, true, true), (true, false, true, true), (true, true, false, false),
        (true, false, true, false),
    ]

    @Test func ipv4IsWhatDesiredStateBuilds() throws {
        for setting in Self.settings {
            var netConf = F.netConf()
            netConf.enableNFTables = setting.nfTables
            let options = DesiredOptions(ipMasq: setting.ipMasq, fullyRandom: setting.fullyRandom, forwardRules: setting.forwardRules)
            let node = try F.compute(netConf, leases: [F.a, F.b], options: options)
            var state = NetworkState()
            MasqueradeRules.add(
                to: &state, cluster: netConf.network!, lease: node.ownLease.subnet!, nfTables: setting.nfTables, ipMasq: setting.ipMasq,
                fullyRandom: setting.fullyRandom, forwardRules: setting.forwardRules
            )
            #expect(state.tables == node.state.tables, "\(setting)")
            #expect(state.iptables == node.state.iptables, "\(setting)")
        }
    }

    @Test func ipv6InEachMode() {
        for setting in Self.settings {
            var state = NetworkState()
            MasqueradeRules.add(
                to: &state, cluster: Self.cluster6, lease: Self.lease6, nfTables: setting.nfTables, ipMasq: setting.ipMasq,
                fullyRandom: setting.fullyRandom, forwardRules: setting.forwardRules
            )
            if setting.nfTables {
                #expect(state.iptables.isEmpty)
                let table = MasqueradeTable.table(
                    cluster: Self.cluster6, lease: Self.lease6, ipMasq: setting.ipMasq, fullyRandom: setting.fullyRandom,
                    forwardRules: setting.forwardRules
                )
                #expect(state.tables[NftTable.flannel6Key] == table)
                #expect(Set(state.tables.keys).isSubset(of: [NftTable.flannel6Key]))
            } else {
                #expect(state.tables.isEmpty)
                var keys: Set<NftTable.Key> = []
                if setting.ipMasq { keys.insert(IptablesNames.nat6) }
                if setting.forwardRules { keys.insert(IptablesNames.filter6) }
                #expect(Set(state.iptables.keys) == keys, "\(setting)")
                if setting.ipMasq {
                    #expect(state.iptables[IptablesNames.nat6]
                        == FlannelIptablesRules.masquerade(cluster: Self.cluster6, lease: Self.lease6, fullyRandom: setting.fullyRandom))
                }
            }
        }
    }

    /// Both families side by side in one state: nothing of one overwrites the other.
    @Test func bothFamiliesSideBySide() throws {
        var state = NetworkState()
        let cluster4 = try #require(IPv4Prefix("10.244.0.0/16")), lease4 = try #require(IPv4Prefix("10.244.1.0/24"))
        for nfTables in [false, true] {
            state = NetworkState()
            MasqueradeRules.add(to: &state, cluster: cluster4, lease: lease4, nfTables: nfTables, ipMasq: true, fullyRandom: true, forwardRules: true)
            MasqueradeRules.add(to: &state, cluster: Self.cluster6, lease: Self.lease6, nfTables: nfTables, ipMasq: true, fullyRandom: true, forwardRules: true)
            if nfTables {
                #expect(Set(state.tables.keys) == Set(NftTable.flannelKeys))
            } else {
                #expect(Set(state.iptables.keys) == Set(IptablesNames.tables))
            }
        }
    }
}
