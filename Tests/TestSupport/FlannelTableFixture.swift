import NetState

/// flannel's `ip flannel-ipv4` table built by hand, with the iptables-equivalent `postrtg`
/// semantics DESIGN.md asks for, independent of the Desired target that computes it: the value
/// the nf_tables encoder, transport and reader tests compare with.
public enum FlannelTableFixture {
    public static let cluster = IPv4Prefix(address: IPv4Address(10, 244, 0, 0), length: 16)
    public static let lease = IPv4Prefix(address: IPv4Address(10, 244, 1, 0), length: 24)

    /// flannel's table with the iptables-equivalent `postrtg`, built by hand.
    public static func table(cluster: IPv4Prefix = cluster, lease: IPv4Prefix = lease) -> NftTable {
        NftTable(
            key: NftTable.flannelKey,
            comment: "rules for flannel-ipv4",
            chains: [
                NftChain(
                    name: "postrtg",
                    comment: "chain to manage traffic masquerading by flannel",
                    hook: .init(type: "nat", hook: "postrouting", priority: 100),
                    rules: [
                        NftRule([.mark(mask: 0x4000, value: 0x4000)], .return),
                        NftRule([.sourceAddress(lease, negated: false), .destinationAddress(cluster, negated: false)], .return),
                        NftRule([.sourceAddress(cluster, negated: false), .destinationAddress(lease, negated: false)], .return),
                        NftRule([.sourceAddress(cluster, negated: true), .destinationAddress(lease, negated: false)], .return),
                        NftRule(
                            [.sourceAddress(cluster, negated: false), .destinationAddress(.multicast, negated: true)],
                            .masquerade(fullyRandom: true)
                        ),
                        NftRule(
                            [.sourceAddress(cluster, negated: true), .destinationAddress(cluster, negated: false)],
                            .masquerade(fullyRandom: true)
                        ),
                    ]
                ),
                NftChain(
                    name: "forward",
                    comment: "chain to accept flannel traffic",
                    hook: .init(type: "filter", hook: "forward", priority: 0),
                    rules: [
                        NftRule([.sourceAddress(cluster, negated: false)], .accept),
                        NftRule([.destinationAddress(cluster, negated: false)], .accept),
                    ]
                ),
            ]
        )
    }
}
