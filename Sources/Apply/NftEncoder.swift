import NetState
import Netlink

/// Encodes whole nf_tables tables as single nfnetlink transactions. Pure: builds bytes, opens
/// nothing; `NftTransaction` (in Netlink) sends them.
///
/// Replacing is `add table` (creates it if missing) → `delete table` (drops it with every chain
/// and rule) → `add table` with its comment → chains → rules, in one batch: the kernel commits
/// it as one generation, so packets see either the old table or the new one, never a half, and
/// the batch succeeds whether or not the table existed (the same trick as nft's
/// `table x; delete table x; table x { … }`). Every message asks for an ACK so an error names
/// the message that caused it.
public enum NftEncoder {
    /// The batch that makes the kernel's table exactly `table`.
    /// - Parameter firstSequence: the sequence number of `BATCH_BEGIN`; the rest count up.
    ///   `NftTransaction` renumbers on sending, so the default keeps encodings comparable.
    public static func replace(_ table: NftTable, firstSequence: UInt32 = 0, generation: UInt32? = nil) throws(NftEncodingError) -> NftBatch {
        var builder = NftBatchBuilder(firstSequence: firstSequence)
        builder.begin(generation: generation)
        try replaceMessages(table, into: &builder)
        builder.end()
        return builder.batch(commits: true)
    }

    /// The batch that removes the table if it exists and does nothing otherwise (ip-masq off).
    public static func delete(_ key: NftTable.Key, firstSequence: UInt32 = 0, generation: UInt32? = nil) throws(NftEncodingError) -> NftBatch {
        var builder = NftBatchBuilder(firstSequence: firstSequence)
        builder.begin(generation: generation)
        try ensureAndDelete(key, into: &builder)
        builder.end()
        return builder.batch(commits: true)
    }

    /// `replace` without `BATCH_END`: the kernel validates every message (hooks, chain types,
    /// expressions) and reports errors, then aborts the transaction, changing nothing. This is
    /// how `nft -c` checks.
    public static func check(_ table: NftTable, firstSequence: UInt32 = 0) throws(NftEncodingError) -> NftBatch {
        var builder = NftBatchBuilder(firstSequence: firstSequence)
        builder.begin()
        try replaceMessages(table, into: &builder)
        return builder.batch(commits: false)
    }

    private static func replaceMessages(_ table: NftTable, into builder: inout NftBatchBuilder) throws(NftEncodingError) {
        let key = table.key
        try ensureAndDelete(key, into: &builder)
        try addTable(table, into: &builder)
        for chain in table.chains {
            try addChain(chain, table: key, into: &builder)
        }
        for chain in table.chains {
            for (index, rule) in chain.rules.enumerated() {
                let object = try NftRuleEncoder.rule(rule, table: key, chain: chain.name, position: index + 1)
                builder.appendRule(object, label: "NFT_MSG_NEWRULE \(name(key)) chain \(chain.name) rule \(index + 1) (\(rule))")
            }
        }
    }

    /// `add table` (no attributes but the name, so an existing table is left as it is) then
    /// `delete table`: afterwards the table is gone whether or not it existed.
    private static func ensureAndDelete(_ key: NftTable.Key, into builder: inout NftBatchBuilder) throws(NftEncodingError) {
        let object = try NftEncodingError.wrap(table: key) { () throws(NetlinkError) in
            try NftTableObject(family: key.family.rawValue, name: key.name)
        }
        builder.newTable(object, label: "NFT_MSG_NEWTABLE \(name(key)) (ensure it exists)")
        builder.deleteTable(object, label: "NFT_MSG_DELTABLE \(name(key))")
    }

    private static func addTable(_ table: NftTable, into builder: inout NftBatchBuilder) throws(NftEncodingError) {
        let key = table.key
        let object = try NftEncodingError.wrap(table: key) { () throws(NetlinkError) in
            let object = try NftTableObject(family: key.family.rawValue, name: key.name)
            object.setFlags(0)
            return object
        }
        if let comment = table.comment {
            let userData = try NftEncodingError.comment(
                comment, type: NftUserData.tableComment, what: "table comment", table: key
            )
            try NftEncodingError.wrap(table: key) { () throws(NetlinkError) in try object.setUserData(userData) }
        }
        builder.newTable(object, label: "NFT_MSG_NEWTABLE \(name(key))")
    }

    private static func addChain(
        _ chain: NftChain, table key: NftTable.Key, into builder: inout NftBatchBuilder
    ) throws(NftEncodingError) {
        let object = try NftEncodingError.wrap(table: key, chain: chain.name) { () throws(NetlinkError) in
            try NftChainObject(family: key.family.rawValue, table: key.name, name: chain.name)
        }
        if let hook = chain.hook {
            guard let number = NftHookNames.number(hook.hook, family: key.family.rawValue) else {
                throw NftEncodingError(table: key, chain: chain.name, reason: "unknown hook \"\(hook.hook)\"")
            }
            object.setBase(type: hook.type, hook: number, priority: hook.priority, policyAccept: hook.policyAccept)
        }
        if let comment = chain.comment {
            object.setUserData(try NftEncodingError.comment(
                comment, type: NftUserData.chainComment, what: "chain comment", table: key, chain: chain.name
            ))
        }
        builder.newChain(object, label: "NFT_MSG_NEWCHAIN \(name(key)) chain \(chain.name)")
    }

    private static func name(_ key: NftTable.Key) -> String { "\(key.family) \(key.name)" }
}
