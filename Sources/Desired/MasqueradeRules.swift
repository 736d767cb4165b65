import NetState

/// flannel's MASQUERADE and forward rules of one address family, in the mode the net-conf
/// says, added to a desired state: what `DesiredState` does for IPv4, in one call per family.
///
/// `EnableNFTables: true`: flannel's table of the family (`ip flannel-ipv4`, `ip6
/// flannel-ipv6`), added only when ip-masq or forward rules are on. Otherwise (flannel's
/// default) the iptables-mode rule sets in the family's `nat` (with ip-masq) and `filter` (with
/// `--iptables-forward-rules`). Whatever is not added here is removed by the plan where it
/// exists (ownership: flannel's tables, chains and commented rules are flannel's in either
/// family), which is how one mode's leftovers go after the other's rules are in.
public enum MasqueradeRules {
    /// IPv6: `cluster` is `IPv6Network`, `lease` this node's IPv6 lease.
    public static func add(
        to state: inout NetworkState, cluster: IPv6Prefix, lease: IPv6Prefix, nfTables: Bool, ipMasq: Bool, fullyRandom: Bool,
        forwardRules: Bool
    ) {
        add(
            to: &state, nfTables: nfTables, ipMasq: ipMasq, forwardRules: forwardRules,
            table: { MasqueradeTable.table(cluster: cluster, lease: lease, ipMasq: ipMasq, fullyRandom: fullyRandom, forwardRules: forwardRules) },
            masquerade: { FlannelIptablesRules.masquerade(cluster: cluster, lease: lease, fullyRandom: fullyRandom) },
            forward: { FlannelIptablesRules.forward(cluster: cluster) }
        )
    }

    /// IPv4, the same as `DesiredState` builds it.
    public static func add(
        to state: inout NetworkState, cluster: IPv4Prefix, lease: IPv4Prefix, nfTables: Bool, ipMasq: Bool, fullyRandom: Bool,
        forwardRules: Bool
    ) {
        add(
            to: &state, nfTables: nfTables, ipMasq: ipMasq, forwardRules: forwardRules,
            table: { MasqueradeTable.table(cluster: cluster, lease: lease, ipMasq: ipMasq, fullyRandom: fullyRandom, forwardRules: forwardRules) },
            masquerade: { FlannelIptablesRules.masquerade(cluster: cluster, lease: lease, fullyRandom: fullyRandom) },
            forward: { FlannelIptablesRules.forward(cluster: cluster) }
        )
    }

    /// The mode's choice, written once for both families: the family's functions come in.
    private static func add(
        to state: inout NetworkState, nfTables: Bool, ipMasq: Bool, forwardRules: Bool, table: () -> NftTable?,
        masquerade: () -> IptablesRuleSet, forward: () -> IptablesRuleSet
    ) {
        if nfTables {
            if let table = table() { state.tables[table.key] = table }
            return
        }
        if ipMasq { add(masquerade(), to: &state) }
        if forwardRules { add(forward(), to: &state) }
    }

    private static func add(_ rules: IptablesRuleSet, to state: inout NetworkState) {
        state.iptables[rules.table] = rules
    }
}
