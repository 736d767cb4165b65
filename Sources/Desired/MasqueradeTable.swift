import NetState

/// flannel's nf_tables table, `ip flannel-ipv4`.
///
/// `postrtg` has the iptables manager's semantics (`FLANNEL-POSTRTG`), not the nftables
/// manager's: flannel's nft rule 4 reads `saddr != <pod subnet>` where iptables has
/// `! -s <cluster>`, which leaves host-to-remote-pod traffic unmasqueraded by the last rule. The
/// kube-proxy mark is matched under its mask (`0x4000/0x4000`) as iptables does.
public enum MasqueradeTable {
    public static let tableComment = "rules for flannel-ipv4"
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
        let masquerade = NftVerdict.masquerade(fullyRandom: fullyRandom)
        let postrouting = NftChain(
            name: "postrtg",
            comment: postroutingComment,
            hook: .init(type: "nat", hook: "postrouting", priority: 100),
            rules: [
                NftRule([.mark(mask: kubeProxyMark, value: kubeProxyMark)], .return),
                NftRule([.sourceAddress(lease, negated: false), .destinationAddress(cluster, negated: false)], .return),
                NftRule([.sourceAddress(cluster, negated: false), .destinationAddress(lease, negated: false)], .return),
                NftRule([.sourceAddress(cluster, negated: true), .destinationAddress(lease, negated: false)], .return),
                NftRule(
                    [.sourceAddress(cluster, negated: false), .destinationAddress(.multicast, negated: true)], masquerade
                ),
                NftRule([.sourceAddress(cluster, negated: true), .destinationAddress(cluster, negated: false)], masquerade),
            ]
        )
        let forward = NftChain(
            name: "forward",
            comment: forwardComment,
            hook: .init(type: "filter", hook: "forward", priority: 0),
            rules: [
                NftRule([.sourceAddress(cluster, negated: false)], .accept),
                NftRule([.destinationAddress(cluster, negated: false)], .accept),
            ]
        )
        let chains = (ipMasq ? [postrouting] : []) + (forwardRules ? [forward] : [])
        return chains.isEmpty ? nil : NftTable(key: NftTable.flannelKey, comment: tableComment, chains: chains)
    }
}
