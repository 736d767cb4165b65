import CNftnl
import NetState
import Netlink

/// Turns the replies of nf_tables dumps (`NFT_MSG_NEWTABLE`, `NEWCHAIN`, `NEWRULE` messages)
/// into tables of the model. Pure: it parses bytes with libnftnl and touches no socket, so it
/// runs on captured fixtures as well as on a live dump.
///
/// Chains keep the order the kernel lists them in (the order they were added, which is also
/// `nft list`'s order); rules keep their order inside their chain. Chains and rules whose table
/// (or chain) is not among the messages are dropped: they raced with a delete.
public enum NftDecoder {
    static let subsystem = UInt16(NFNL_SUBSYS_NFTABLES) << 8
    public static let newTable = subsystem | UInt16(NFT_MSG_NEWTABLE.rawValue)
    public static let newChain = subsystem | UInt16(NFT_MSG_NEWCHAIN.rawValue)
    public static let newRule = subsystem | UInt16(NFT_MSG_NEWRULE.rawValue)

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
        try parse(message, "table", alloc: nftnl_table_alloc, free: nftnl_table_free, parse: nftnl_table_nlmsg_parse) { table in
            let key = NftTable.Key(
                family: NftFamily(rawValue: UInt8(truncatingIfNeeded: nftnl_table_get_u32(table, UInt16(NFTNL_TABLE_FAMILY.rawValue)))),
                name: string(nftnl_table_get_str(table, UInt16(NFTNL_TABLE_NAME.rawValue)))
            )
            var length: UInt32 = 0
            let data = nftnl_table_get_data(table, UInt16(NFTNL_TABLE_USERDATA.rawValue), &length)
            let comment = NftComment.read(data, length, type: UInt8(NFTNL_UDATA_TABLE_COMMENT.rawValue))
            return NftTable(key: key, comment: comment, chains: [])
        }
    }

    /// A chain without its rules, with the key of its table.
    public static func chain(_ message: NetlinkMessage) throws(NetlinkError) -> (key: NftTable.Key, chain: NftChain) {
        try parse(message, "chain", alloc: nftnl_chain_alloc, free: nftnl_chain_free, parse: nftnl_chain_nlmsg_parse) { chain in
            func isSet(_ attribute: nftnl_chain_attr) -> Bool { nftnl_chain_is_set(chain, UInt16(attribute.rawValue)) }
            let family = UInt8(truncatingIfNeeded: nftnl_chain_get_u32(chain, UInt16(NFTNL_CHAIN_FAMILY.rawValue)))
            let key = NftTable.Key(
                family: NftFamily(rawValue: family), name: string(nftnl_chain_get_str(chain, UInt16(NFTNL_CHAIN_TABLE.rawValue)))
            )
            var hook: NftChain.Hook?
            if isSet(NFTNL_CHAIN_HOOKNUM) {
                hook = NftChain.Hook(
                    type: isSet(NFTNL_CHAIN_TYPE) ? string(nftnl_chain_get_str(chain, UInt16(NFTNL_CHAIN_TYPE.rawValue))) : "filter",
                    hook: NftHookNames.name(nftnl_chain_get_u32(chain, UInt16(NFTNL_CHAIN_HOOKNUM.rawValue)), family: family),
                    priority: nftnl_chain_get_s32(chain, UInt16(NFTNL_CHAIN_PRIO.rawValue)),
                    policyAccept: !isSet(NFTNL_CHAIN_POLICY)
                        || nftnl_chain_get_u32(chain, UInt16(NFTNL_CHAIN_POLICY.rawValue)) == UInt32(NF_ACCEPT)
                )
            }
            var length: UInt32 = 0
            let data = nftnl_chain_get_data(chain, UInt16(NFTNL_CHAIN_USERDATA.rawValue), &length)
            let comment = NftComment.read(data, length, type: UInt8(NFTNL_UDATA_CHAIN_COMMENT.rawValue))
            let name = string(nftnl_chain_get_str(chain, UInt16(NFTNL_CHAIN_NAME.rawValue)))
            return (key, NftChain(name: name, comment: comment, hook: hook, rules: []))
        }
    }

    /// A rule, with the key of its table and the name of its chain.
    public static func rule(_ message: NetlinkMessage) throws(NetlinkError) -> (key: NftTable.Key, chain: String, rule: NftRule) {
        try parse(message, "rule", alloc: nftnl_rule_alloc, free: nftnl_rule_free, parse: nftnl_rule_nlmsg_parse) { rule in
            let family = NftFamily(rawValue: UInt8(truncatingIfNeeded: nftnl_rule_get_u32(rule, UInt16(NFTNL_RULE_FAMILY.rawValue))))
            let key = NftTable.Key(family: family, name: string(nftnl_rule_get_str(rule, UInt16(NFTNL_RULE_TABLE.rawValue))))
            var expressions: [NftExpression] = []
            if let iterator = nftnl_expr_iter_create(rule) {
                while let expression = nftnl_expr_iter_next(iterator) {
                    expressions.append(NftExpression(expression))
                }
                nftnl_expr_iter_destroy(iterator)
            }
            let (matches, verdict) = NftRuleDecoder.decode(expressions, family: family)
            var length: UInt32 = 0
            let data = nftnl_rule_get_data(rule, UInt16(NFTNL_RULE_USERDATA.rawValue), &length)
            let comment = NftComment.read(data, length, type: UInt8(NFTNL_UDATA_RULE_COMMENT.rawValue))
            let chain = string(nftnl_rule_get_str(rule, UInt16(NFTNL_RULE_CHAIN.rawValue)))
            return (key, chain, NftRule(matches, verdict, comment: comment))
        }
    }

    /// Parses one message into a fresh libnftnl object, hands it to `read`, frees it.
    private static func parse<T>(
        _ message: NetlinkMessage, _ what: String,
        alloc: () -> OpaquePointer?, free: (OpaquePointer?) -> Void,
        parse: (UnsafePointer<nlmsghdr>?, OpaquePointer?) -> Int32,
        _ read: (OpaquePointer) -> T
    ) throws(NetlinkError) -> T {
        // libnftnl stops quietly at an attribute that runs past the message, which would turn a
        // cut-off rule into a shorter, valid-looking one; the attribute walk refuses it instead.
        guard message.payload.count >= 4 else {
            throw NetlinkError.decode("nf_tables \(what) message without nfgenmsg", offset: NetlinkMessage.headerLength)
        }
        try validate(try NetlinkAttribute.parse(message.payload, from: 4, baseOffset: NetlinkMessage.headerLength))
        guard let object = alloc() else { throw NetlinkError(.decode, errno: 12, detail: "nftnl \(what) alloc") }
        defer { free(object) }
        let bytes = message.bytes
        let status = bytes.withUnsafeBytes { raw in
            parse(raw.baseAddress?.assumingMemoryBound(to: nlmsghdr.self), object)
        }
        guard status >= 0 else {
            throw NetlinkError(.decode, sequence: message.sequence, detail: "nf_tables \(what) message of \(bytes.count) bytes")
        }
        return read(object)
    }

    /// Walks nested attributes (expression lists, hooks) down to the leaves.
    private static func validate(_ attributes: [NetlinkAttribute]) throws(NetlinkError) {
        for attribute in attributes where attribute.isNested {
            try validate(try NetlinkAttribute.parse(attribute.value, baseOffset: attribute.offset + 4))
        }
    }

    private static func string(_ pointer: UnsafePointer<CChar>?) -> String {
        pointer.map { String(cString: $0) } ?? ""
    }
}
