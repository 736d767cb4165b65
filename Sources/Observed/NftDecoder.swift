import NetState
import Netlink

/// Turns the replies of nf_tables dumps (`NFT_MSG_NEWTABLE`, `NEWCHAIN`, `NEWRULE` messages)
/// into tables of the model. Pure: it parses bytes (with libnftnl, through Netlink) and touches no socket, so it
/// runs on captured fixtures as well as on a live dump.
///
/// Chains keep the order the kernel lists them in (the order they were added, which is also
/// `nft list`'s order); rules keep their order inside their chain. Chains and rules whose table
/// (or chain) is not among the messages are dropped: they raced with a delete.
public enum NftDecoder {
    public static let newTable = NftMessageType.newTable
    public static let newChain = NftMessageType.newChain
    public static let newRule = NftMessageType.newRule

    /// Decodes a mix of table, chain and rule messages, in any order; other message types are
    /// skipped. A table seen twice keeps its first position and its last attributes.
    public static func decode(_ messages: [NetlinkMessage]) throws(NetlinkError) -> [NftTable] {
        var tables: [NftTable] = []
        var tableIndex: [NftTable.Key: Int] = [:]
        var chains: [(key: NftTable.Key, chain: NftChain)] = []
        var rules: [(key: NftTable.Key, chain: String, rule: NftRule)] = []
        for message in messages {
            switch message.type {
            case newTable:
                let table = try self.table(message)
                if let index = tableIndex[table.key] {
                    tables[index].comment = table.comment
                } else {
                    tableIndex[table.key] = tables.count
                    tables.append(table)
                }
            case newChain:
                chains.append(try chain(message))
            case newRule:
                rules.append(try rule(message))
            default:
                continue
            }
        }
        var chainIndex: [NftTable.Key: [String: Int]] = [:]
        for (key, chain) in chains {
            guard let table = tableIndex[key] else { continue }
            chainIndex[key, default: [:]][chain.name] = tables[table].chains.count
            tables[table].chains.append(chain)
        }
        for (key, chainName, rule) in rules {
            guard let table = tableIndex[key], let chain = chainIndex[key]?[chainName] else { continue }
            tables[table].chains[chain].rules.append(rule)
        }
        return tables
    }

    /// Splits concatenated netlink messages (a fixture, or datagrams glued together).
    public static func decode(stream bytes: [UInt8]) throws(NetlinkError) -> [NftTable] {
        try decode(try NetlinkMessage.parse(bytes))
    }

    /// A table without its chains.
    public static func table(_ message: NetlinkMessage) throws(NetlinkError) -> NftTable {
        let table = try NftTableMessage(decoding: message)
        let key = NftTable.Key(family: NftFamily(rawValue: table.family), name: table.name)
        let comment = NftUserData.comment(in: table.userData, type: NftUserData.tableComment)
        return NftTable(key: key, comment: comment, chains: [])
    }

    /// A chain without its rules, with the key of its table.
    public static func chain(_ message: NetlinkMessage) throws(NetlinkError) -> (key: NftTable.Key, chain: NftChain) {
        let chain = try NftChainMessage(decoding: message)
        let key = NftTable.Key(family: NftFamily(rawValue: chain.family), name: chain.table)
        let hook = chain.base.map { base in
            NftChain.Hook(
                type: base.type ?? "filter",
                hook: NftHookNames.name(base.hook, family: chain.family),
                priority: base.priority,
                policyAccept: base.policy.map { $0 == UInt32(NftVerdictCode.accept) } ?? true
            )
        }
        let comment = NftUserData.comment(in: chain.userData, type: NftUserData.chainComment)
        return (key, NftChain(name: chain.name, comment: comment, hook: hook, rules: []))
    }

    /// A rule, with the key of its table and the name of its chain.
    /// A rule's matches and verdict from its expressions, already copied out of libnftnl.
    public static func rule(expressions: [NftExpression], family: NftFamily) -> (matches: [NftMatch], verdict: NftVerdict) {
        NftRuleDecoder.decode(expressions, family: family)
    }

    public static func rule(_ message: NetlinkMessage) throws(NetlinkError) -> (key: NftTable.Key, chain: String, rule: NftRule) {
        let rule = try NftRuleMessage(decoding: message)
        let family = NftFamily(rawValue: rule.family)
        let key = NftTable.Key(family: family, name: rule.table)
        let (matches, verdict) = NftRuleDecoder.decode(rule.expressions, family: family)
        let comment = NftUserData.comment(in: rule.userData, type: NftUserData.ruleComment)
        return (key, rule.chain, NftRule(matches, verdict, comment: comment, handle: rule.handle))
    }
}
