import NetState

/// flannel's iptables-mode rules (`EnableNFTables: false`, flannel's default), as its versions
/// write them through iptables-nft (IPv4) and ip6tables-nft (IPv6). `C` is the cluster network,
/// `L` this node's lease.
///
/// From flannel's `pkg/trafficmngr/iptables/iptables.go` (`masqRules`, `masqIP6Rules`,
/// `forwardRules`; v0.21 `pkg/iptables/iptables.go`, before that `network/iptables.go`:
/// `MasqRules`, `MasqIP6Rules`, `ForwardRules`) and measured on real flanneld v0.18.1 and
/// v0.20.2 (see `reference/flannel-behaviour.md` §4.2 and §8):
/// - v0.21.0 and later (the layout this tool writes): `POSTROUTING -j FLANNEL-POSTRTG`; in
///   `FLANNEL-POSTRTG` the kube-proxy mark RETURN, `-s L -d C`, `-s C -d L` and `! -s C -d L`
///   RETURN, then `-s C ! -d 224.0.0.0/4` and `! -s C -d C` MASQUERADE.
/// - v0.20.2: the mark RETURN, `-s C -d C` RETURN, `-s C ! -d 224.0.0.0/4` MASQUERADE,
///   `! -s C -d L` RETURN, `! -s C -d C` MASQUERADE. v0.20.0/.1: the same without the mark rule.
/// - v0.16.2 to v0.19: v0.20.0's four rules straight in `POSTROUTING`, and the two ACCEPTs
///   straight in `FORWARD`.
/// Every rule carries `-m comment --comment "flanneld masq"` (or `"flanneld forward"`), and
/// iptables-nft adds a counter to each. MASQUERADE has `--random-fully` unless disabled.
/// Where the jump sits in the base chain (inserted up to v0.21.2, appended after) does not
/// matter: flanneld checks rules with `iptables -C`, which ignores position.
///
/// IPv6 (`EnableIPv6`): every version's `MasqIP6Rules` is its `MasqRules` rule for rule, with
/// the IPv6 network and lease and `ff00::/8` for the multicast exemption (v0.19.2
/// `network/iptables.go:80-112`, v0.20.0 `:86-122`, v0.20.2 `:93-133`, v0.21.0
/// `pkg/iptables/iptables.go:89-130`, v0.28.9 `pkg/trafficmngr/iptables/iptables.go:171-208`),
/// written with ip6tables into `ip6 nat`; the forward rules are `ForwardRules` of the IPv6
/// network in `ip6 filter` (v0.19.2 `network/iptables.go:114-120` and `main.go`'s
/// `SetupAndEnsureIP6Tables(network.ForwardRules(config.IPv6Network.String()), …)`, v0.20.2
/// `network/iptables.go:135-143`, v0.28.9 `iptables.go:210-231`).
public enum FlannelIptablesRules {
    static let multicast = IPv4Prefix.multicast

    /// The MASQUERADE rules for table `ip nat`.
    public static func masquerade(cluster: IPv4Prefix, lease: IPv4Prefix, fullyRandom: Bool) -> IptablesRuleSet {
        masquerade(
            table: IptablesNames.nat, cluster: .v4(cluster), lease: .v4(lease), multicast: .v4(multicast), fullyRandom: fullyRandom
        )
    }

    /// The IPv6 MASQUERADE rules for table `ip6 nat` (ip6tables-nft's): flannel's
    /// `MasqIP6Rules` of each version, the IPv4 layouts with IPv6 prefixes and `ff00::/8`.
    /// - Parameters:
    ///   - cluster: `IPv6Network` of the net-conf.
    ///   - lease: this node's IPv6 lease (`FLANNEL_IPV6_SUBNET`'s network).
    public static func masquerade(cluster: IPv6Prefix, lease: IPv6Prefix, fullyRandom: Bool) -> IptablesRuleSet {
        masquerade(
            table: IptablesNames.nat6, cluster: .v6(cluster), lease: .v6(lease), multicast: .v6(.multicast),
            fullyRandom: fullyRandom
        )
    }

    /// The forward rules for table `ip filter` (`--iptables-forward-rules`, default on).
    public static func forward(cluster: IPv4Prefix) -> IptablesRuleSet {
        forward(table: IptablesNames.filter, cluster: .v4(cluster))
    }

    /// The IPv6 forward rules for table `ip6 filter`: `ForwardRules(IPv6Network)`.
    public static func forward(cluster: IPv6Prefix) -> IptablesRuleSet {
        forward(table: IptablesNames.filter6, cluster: .v6(cluster))
    }

    /// One family's MASQUERADE layouts: `cluster`, `lease` and `multicast` are of that family.
    private static func masquerade(
        table: NftTable.Key, cluster: IPPrefix, lease: IPPrefix, multicast: IPPrefix, fullyRandom: Bool
    ) -> IptablesRuleSet {
        let chain = IptablesNames.masqueradeChain
        func rule(_ chain: String, _ matches: [NftMatch], _ verdict: NftVerdict) -> IptablesRule {
            IptablesRule(chain: chain, rule: NftRule(matches + [.comment(IptablesNames.masqueradeComment), .counter], verdict))
        }
        let masquerade = NftVerdict.masquerade(fullyRandom: fullyRandom)
        let jump = rule("POSTROUTING", [], .jump(chain))
        let mark = [NftMatch.mark(mask: MasqueradeTable.kubeProxyMark, value: MasqueradeTable.kubeProxyMark)]
        let inCluster: [NftMatch] = [.source(cluster), .destination(cluster)]
        let toOutside: [NftMatch] = [.source(cluster), .destination(multicast, negated: true)]
        let toOwnPods: [NftMatch] = [.source(cluster, negated: true), .destination(lease)]
        let hostToCluster: [NftMatch] = [.source(cluster, negated: true), .destination(cluster)]

        func v020(_ chain: String, mark withMark: Bool) -> [IptablesRule] {
            (withMark ? [rule(chain, mark, .return)] : []) + [
                rule(chain, inCluster, .return),
                rule(chain, toOutside, masquerade),
                rule(chain, toOwnPods, .return),
                rule(chain, hostToCluster, masquerade),
            ]
        }
        let current = IptablesLayout(name: "flannel v0.21+", chain: chain, rules: [
            jump,
            rule(chain, mark, .return),
            rule(chain, [.source(lease), .destination(cluster)], .return),
            rule(chain, [.source(cluster), .destination(lease)], .return),
            rule(chain, toOwnPods, .return),
            rule(chain, toOutside, masquerade),
            rule(chain, hostToCluster, masquerade),
        ])
        return IptablesRuleSet(table: table, layout: current, older: [
            IptablesLayout(name: "flannel v0.20.2", chain: chain, rules: [jump] + v020(chain, mark: true)),
            IptablesLayout(name: "flannel v0.20.0", chain: chain, rules: [jump] + v020(chain, mark: false)),
            IptablesLayout(name: "flannel v0.16.2-v0.19", chain: nil, rules: v020("POSTROUTING", mark: false)),
        ])
    }

    /// One family's forward layouts.
    private static func forward(table: NftTable.Key, cluster: IPPrefix) -> IptablesRuleSet {
        let chain = IptablesNames.forwardChain
        func rule(_ chain: String, _ matches: [NftMatch], _ verdict: NftVerdict) -> IptablesRule {
            IptablesRule(chain: chain, rule: NftRule(matches + [.comment(IptablesNames.forwardComment), .counter], verdict))
        }
        func accepts(_ chain: String) -> [IptablesRule] {
            [rule(chain, [.source(cluster)], .accept),
             rule(chain, [.destination(cluster)], .accept)]
        }
        let current = IptablesLayout(
            name: "flannel v0.20+", chain: chain, rules: [rule("FORWARD", [], .jump(chain))] + accepts(chain)
        )
        return IptablesRuleSet(table: table, layout: current, older: [
            IptablesLayout(name: "flannel v0.16.2-v0.19", chain: nil, rules: accepts("FORWARD")),
        ])
    }
}
