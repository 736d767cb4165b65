import NetState

/// flannel's nf_tables tables, `ip flannel-ipv4` and `ip6 flannel-ipv6`.
///
/// `postrtg` has the iptables manager's semantics (`FLANNEL-POSTRTG`), not the nftables
/// manager's: flannel's nft rule 4 reads `saddr != <pod subnet>` where iptables has
/// `! -s <cluster>`, which leaves host-to-remote-pod traffic unmasqueraded by the last rule. The
/// kube-proxy mark is matched under its mask (`0x4000/0x4000`) as iptables does. The IPv6 table
/// is the same with IPv6 prefixes and `ff00::/8` where IPv4 has `224.0.0.0/4`, as flannel's
/// nftables manager makes it (v0.28.9 `pkg/trafficmngr/nftables/nftables.go:32` `ipv6Table =
/// "flannel-ipv6"`, `:58-73` `initTable`: comment `rules for <table>`, `:208-276`
/// `addMasqRules`: `multicastCidr = "ff00::/8"` for `knftables.IPv6Family`), with the same
/// deliberate deviations.
public enum MasqueradeTable {
    public static let tableComment = "rules for flannel-ipv4"
    /// The IPv6 table's comment, as `initTable` writes it for `flannel-ipv6`.
    public static let table6Comment = "rules for flannel-ipv6"
    public static let postroutingComment = "chain to manage traffic masquerading by flannel"
    public static let forwardComment = "chain to accept flannel traffic"
    /// kube-proxy's masquerade mark; its packets are left for kube-proxy to NAT.
    public static let kubeProxyMark: UInt32 = 0x4000

    /// The table for cluster network `cluster` and this node's lease `lease`. Without ip-masq
    /// only the forward chain remains, as flannel installs forward rules on their own flag
    /// (`--iptables-forward-rules`); without either there is no table.
    public static func table(
        cluster: IPv4Prefix, lease: IPv4Prefix, ipMasq: Bool, fullyRandom: Bool, forwardRules: Bool = true
    ) -> NftTable? {
        table(
            key: NftTable.flannelKey, comment: tableComment, cluster: .v4(cluster), lease: .v4(lease),
            multicast: .v4(.multicast), ipMasq: ipMasq, fullyRandom: fullyRandom, forwardRules: forwardRules
        )
    }

    /// The IPv6 table, `ip6 flannel-ipv6`, for the IPv6 cluster network (`IPv6Network`) and
    /// this node's IPv6 lease: the same chains and rules as the IPv4 table, `ip6 saddr` /
    /// `ip6 daddr` and `ff00::/8` (flannel v0.28.9 `pkg/trafficmngr/nftables/nftables.go`,
    /// `SetupAndEnsureForwardRules` `:77-147` and `SetupAndEnsureMasqRules` `:149-205`, their
    /// IPv6 halves). Without ip-masq and forward rules, nil: no table.
    public static func table(
        cluster: IPv6Prefix, lease: IPv6Prefix, ipMasq: Bool, fullyRandom: Bool, forwardRules: Bool = true
    ) -> NftTable? {
        table(
            key: NftTable.flannel6Key, comment: table6Comment, cluster: .v6(cluster), lease: .v6(lease),
            multicast: .v6(.multicast), ipMasq: ipMasq, fullyRandom: fullyRandom, forwardRules: forwardRules
        )
    }

    /// One family's table: `cluster`, `lease` and `multicast` are of that family.
    private static func table(
        key: NftTable.Key, comment: String, cluster: IPPrefix, lease: IPPrefix, multicast: IPPrefix,
        ipMasq: Bool, fullyRandom: Bool, forwardRules: Bool
    ) -> NftTable? {
        let masquerade = NftVerdict.masquerade(fullyRandom: fullyRandom)
        let postrouting = NftChain(
            name: "postrtg",
            comment: postroutingComment,
            hook: .init(type: "nat", hook: "postrouting", priority: 100),
            rules: [
                NftRule([.mark(mask: kubeProxyMark, value: kubeProxyMark)], .return),
                NftRule([.source(lease), .destination(cluster)], .return),
                NftRule([.source(cluster), .destination(lease)], .return),
                NftRule([.source(cluster, negated: true), .destination(lease)], .return),
                NftRule([.source(cluster), .destination(multicast, negated: true)], masquerade),
                NftRule([.source(cluster, negated: true), .destination(cluster)], masquerade),
            ]
        )
        let forward = NftChain(
            name: "forward",
            comment: forwardComment,
            hook: .init(type: "filter", hook: "forward", priority: 0),
            rules: [
                NftRule([.source(cluster)], .accept),
                NftRule([.destination(cluster)], .accept),
            ]
        )
        let chains = (ipMasq ? [postrouting] : []) + (forwardRules ? [forward] : [])
        return chains.isEmpty ? nil : NftTable(key: key, comment: comment, chains: chains)
    }
}
