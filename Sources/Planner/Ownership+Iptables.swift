import NetState

/// The safety contract in the iptables-nft tables `ip nat` and `ip filter` (and ip6tables-nft's
/// `ip6 nat` and `ip6 filter`), which kube-proxy, Docker, firewalld and the operator share with
/// flannel: flannel's chains (`FLANNEL-POSTRTG`, `FLANNEL-FWD`), the rules that jump into them,
/// and rules carrying flannel's comments (`flanneld masq`, `flanneld forward`) are ours; nothing
/// else in those tables, ever. The tables themselves and their base chains are never deleted,
/// and a base chain is only ever created where it does not exist, as iptables-nft would.
///
/// The same in the IPv6 tables whatever families the node runs: flannel's chains there are
/// flannel's, and where IPv6 is off (or ip-masq, or iptables mode) they are its leftovers and
/// go, as the IPv4 ones do.
extension Ownership {
    public func ownsIptablesRule(_ rule: NftRule, chain: String, table: NftTable.Key) -> Bool {
        Self.ownsIptablesRule(rule, chain: chain, table: table)
    }

    /// The rule needs no node: the same for every contract.
    static func ownsIptablesRule(_ rule: NftRule, chain: String, table: NftTable.Key) -> Bool {
        IptablesNames.tables.contains(table)
            && (IptablesNames.flannelChains.contains(chain) || IptablesNames.entersFlannelChain(rule)
                || IptablesNames.carriesFlannelComment(rule))
    }

    public func ownsIptablesChain(_ name: String, table: NftTable.Key) -> Bool {
        IptablesNames.tables.contains(table) && IptablesNames.flannelChains.contains(name)
    }

    /// The owned part of an observed iptables-nft table, as `iptables -S` lists it.
    public func ownedIptables(in table: NftTable) -> IptablesListing {
        Self.iptablesListing(of: table)
    }

    /// The same without a contract at hand: the rule does not depend on the node.
    public static func iptablesListing(of table: NftTable) -> IptablesListing {
        // `iptables -S` lists the built-in (base) chains first, then the user chains, each in
        // the kernel's order.
        let ordered = table.chains.filter { $0.hook != nil } + table.chains.filter { $0.hook == nil }
        var rules: [IptablesRule] = []
        for chain in ordered {
            for rule in chain.rules where ownsIptablesRule(rule, chain: chain.name, table: table.key) {
                rules.append(IptablesRule(chain: chain.name, rule: rule))
            }
        }
        let chains = ordered.filter { $0.hook == nil }.map(\.name).filter {
            IptablesNames.tables.contains(table.key) && IptablesNames.flannelChains.contains($0)
        }
        return IptablesListing(table: table.key, chains: chains, rules: rules)
    }

    /// nil when the contract lets the transaction be made, else why not.
    func refusal(of change: IptablesChange) -> String? {
        let table = change.table
        guard IptablesNames.tables.contains(table) else {
            return "table \(table.family) \(table.name) is not an iptables-nft table flannel writes to"
        }
        for rule in change.deletes where !ownsIptablesRule(rule.rule, chain: rule.chain, table: table) {
            return "\(rule.rule.iptablesWords(chain: rule.chain)) is not a rule this tool owns"
        }
        for rule in change.appends where !ownsIptablesRule(rule.rule, chain: rule.chain, table: table) {
            return "\(rule.rule.iptablesWords(chain: rule.chain)) is not a rule this tool may create"
        }
        for chain in change.newChains {
            let isBase = chain.hook != nil && chain.hook == IptablesNames.baseChain(chain.name, in: table)
            guard isBase || (chain.hook == nil && ownsIptablesChain(chain.name, table: table)) else {
                return "chain \(chain.name) is not a chain this tool may create in \(table.family) \(table.name)"
            }
        }
        for name in change.deletedChains where !ownsIptablesChain(name, table: table) {
            return "chain \(name) is not a chain this tool owns"
        }
        return nil
    }
}
