import NetState
import Netlink
import Planner

/// Encodes an `IptablesChange` as one nf_tables transaction on a shared iptables-nft table.
/// Pure: builds bytes, opens nothing.
///
/// Unlike flannel's own nf_tables table, `ip nat` and `ip filter` are never replaced whole:
/// rules go by their observed handles, new ones are appended in iptables-nft's encoding
/// (`NftRuleEncoder.Style.iptables`), and only chains the change names are created or
/// deleted. A base chain is declared only where the change says it is missing (as
/// iptables-nft does), never re-declared: that would reset a policy someone else set.
public enum IptablesEncoder {
    /// - Parameter generation: the ruleset generation the change was planned from: its deletes
    ///   name rules by handle, and a table re-created since (a firewall reload) could have given
    ///   those handles to others' rules. The kernel refuses the batch if the generation moved.
    public static func transaction(
        _ change: IptablesChange, firstSequence: UInt32 = 0, generation: UInt32? = nil
    ) throws(NftEncodingError) -> NftBatch {
        let key = change.table
        let family = key.family.rawValue
        var builder = NftBatchBuilder(firstSequence: firstSequence)
        builder.begin(generation: generation)
        if change.createsTable {
            let table = try NftEncodingError.wrap(table: key) { () throws(NetlinkError) in
                try NftTableObject(family: family, name: key.name)
            }
            builder.newTable(table, label: "NFT_MSG_NEWTABLE \(name(key))")
        }
        for chain in change.newChains {
            let object = try NftEncodingError.wrap(table: key, chain: chain.name) { () throws(NetlinkError) in
                try NftChainObject(family: family, table: key.name, name: chain.name)
            }
            if let hook = chain.hook {
                guard let number = NftHookNames.number(hook.hook, family: family) else {
                    throw NftEncodingError(table: key, chain: chain.name, reason: "unknown hook \"\(hook.hook)\"")
                }
                object.setBase(type: hook.type, hook: number, priority: hook.priority, policyAccept: hook.policyAccept)
            }
            builder.newChain(object, label: "NFT_MSG_NEWCHAIN \(name(key)) chain \(chain.name)")
        }
        for (index, rule) in change.deletes.enumerated() {
            guard let handle = rule.rule.handle else {
                throw NftEncodingError(
                    table: key, chain: rule.chain, rule: index + 1,
                    reason: "no kernel handle to delete \(rule.rule.iptablesWords(chain: rule.chain)) by (a plan from a snapshot cannot be applied)"
                )
            }
            let object = try NftEncodingError.wrap(table: key, chain: rule.chain, rule: index + 1) { () throws(NetlinkError) in
                try NftRuleObject(family: family, table: key.name, chain: rule.chain)
            }
            object.setHandle(handle)
            builder.deleteRule(object, label: "NFT_MSG_DELRULE \(name(key)) handle \(handle) (\(rule.rule.iptablesWords(chain: rule.chain)))")
        }
        for (index, rule) in change.appends.enumerated() {
            let object = try NftRuleEncoder.rule(rule.rule, table: key, chain: rule.chain, position: index + 1, style: .iptables)
            builder.appendRule(object, label: "NFT_MSG_NEWRULE \(name(key)) (\(rule.rule.iptablesWords(chain: rule.chain)))")
        }
        for chain in change.deletedChains {
            let object = try NftEncodingError.wrap(table: key, chain: chain) { () throws(NetlinkError) in
                try NftChainObject(family: family, table: key.name, name: chain)
            }
            builder.deleteChain(object, label: "NFT_MSG_DELCHAIN \(name(key)) chain \(chain)")
        }
        builder.end()
        return builder.batch(commits: true)
    }

    private static func name(_ key: NftTable.Key) -> String { "\(key.family) \(key.name)" }
}
