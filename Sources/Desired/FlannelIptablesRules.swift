import NetState

/// flannel's iptables-mode rules (`EnableNFTables: false`, flannel's default), as its versions
/// write them through iptables-nft. `C` is the cluster network, `L` this node's lease.
///
/// From flannel's `pkg/trafficmngr/iptables/iptables.go` (`masqRules`, `forwardRules`; before
/// v0.22 `network/iptables.go`) and measured on real flanneld v0.18.1 and v0.20.2 (see
/// `reference/flannel-behaviour.md` §4.2 and §8):
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
public enum FlannelIptablesRules {
    static let multicast = IPv4Prefix.multicast

    /// The MASQUERADE rules for table `ip nat`.
    public static func masquerade(cluster: IPv4Prefix, lease: IPv4Prefix, fullyRandom: Bool) -> IptablesRuleSet {
        let chain = IptablesNames.masqueradeChain
        func rule(_ chain: String, _ matches: [NftMatch], _ verdict: NftVerdict) -> IptablesRule {
            IptablesRule(chain: chain, rule: NftRule(matches + [.comment(IptablesNames.masqueradeComment), .counter], verdict))
        }
        let masquerade = NftVerdict.masquerade(fullyRandom: fullyRandom)
        let jump = rule("POSTROUTING", [], .jump(chain))
        let mark = [NftMatch.mark(mask: MasqueradeTable.kubeProxyMark, value: MasqueradeTable.kubeProxyMark)]
        let inCluster: [NftMatch] = [.sourceAddress(cluster, negated: false), .destinationAddress(cluster, negated: false)]
        let toOutside: [NftMatch] = [.sourceAddress(cluster, negated: false), .destinationAddress(multicast, negated: true)]
        let toOwnPods: [NftMatch] = [.sourceAddress(cluster, negated: true), .destinationAddress(lease, negated: false)]
        let hostToCluster: [NftMatch] = [.sourceAddress(cluster, negated: true), .destinationAddress(cluster, negated: false)]

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
            rule(chain, [.sourceAddress(lease, negated: false), .destinationAddress(cluster, negated: false)], .return),
            rule(chain, [.sourceAddress(cluster, negated: false), .destinationAddress(lease, negated: false)], .return),
            rule(chain, toOwnPods, .return),
            rule(chain, toOutside, masquerade),
            rule(chain, hostToCluster, masquerade),
        ])
        return IptablesRuleSet(table: IptablesNames.nat, layout: current, older: [
            IptablesLayout(name: "flannel v0.20.2", chain: chain, rules: [jump] + v020(chain, mark: true)),
            IptablesLayout(name: "flannel v0.20.0", chain: chain, rules: [jump] + v020(chain, mark: false)),
            IptablesLayout(name: "flannel v0.16.2-v0.19", chain: nil, rules: v020("POSTROUTING", mark: false)),
        ])
    }

    /// The forward rules for table `ip filter` (`--iptables-forward-rules`, default on).
    public static func forward(cluster: IPv4Prefix) -> IptablesRuleSet {
        let chain = IptablesNames.forwardChain
        func rule(_ chain: String, _ matches: [NftMatch], _ verdict: NftVerdict) -> IptablesRule {
            IptablesRule(chain: chain, rule: NftRule(matches + [.comment(IptablesNames.forwardComment), .counter], verdict))
        }
        func accepts(_ chain: String) -> [IptablesRule] {
            [rule(chain, [.sourceAddress(cluster, negated: false)], .accept),
             rule(chain, [.destinationAddress(cluster, negated: false)], .accept)]
        }
        let current = IptablesLayout(
            name: "flannel v0.20+", chain: chain, rules: [rule("FORWARD", [], .jump(chain))] + accepts(chain)
        )
        return IptablesRuleSet(table: IptablesNames.filter, layout: current, older: [
            IptablesLayout(name: "flannel v0.16.2-v0.19", chain: nil, rules: accepts("FORWARD")),
        ])
    }
}
