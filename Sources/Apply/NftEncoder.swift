import CNftnl
import Netlink
import NetState

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
    public static func replace(_ table: NftTable, firstSequence: UInt32 = 0) throws(NftEncodingError) -> NftBatch {
        var writer = NftMessageWriter(firstSequence: firstSequence)
        writer.begin()
        try replaceMessages(table, into: &writer)
        writer.end()
        return writer.batch(commits: true)
    }

    /// The batch that removes the table if it exists and does nothing otherwise (ip-masq off).
    public static func delete(_ key: NftTable.Key, firstSequence: UInt32 = 0) -> NftBatch {
        var writer = NftMessageWriter(firstSequence: firstSequence)
        writer.begin()
        ensureAndDelete(key, into: &writer)
        writer.end()
        return writer.batch(commits: true)
    }

    /// `replace` without `BATCH_END`: the kernel validates every message (hooks, chain types,
    /// expressions) and reports errors, then aborts the transaction, changing nothing. This is
    /// how `nft -c` checks.
    public static func check(_ table: NftTable, firstSequence: UInt32 = 0) throws(NftEncodingError) -> NftBatch {
        var writer = NftMessageWriter(firstSequence: firstSequence)
        writer.begin()
        try replaceMessages(table, into: &writer)
        return writer.batch(commits: false)
    }

    private static func replaceMessages(_ table: NftTable, into writer: inout NftMessageWriter) throws(NftEncodingError) {
        let key = table.key
        ensureAndDelete(key, into: &writer)
        try addTable(table, into: &writer)
        for chain in table.chains {
            try addChain(chain, table: key, into: &writer)
        }
        for chain in table.chains {
            for (index, rule) in chain.rules.enumerated() {
                let handle = try NftRuleEncoder.rule(rule, table: key, chain: chain.name, position: index + 1)
                defer { nftnl_rule_free(handle) }
                writer.message("NFT_MSG_NEWRULE \(name(key)) chain \(chain.name) rule \(index + 1) (\(rule))") { buffer, sequence in
                    let header = nftnl_nlmsg_build_hdr(
                        buffer, UInt16(NFT_MSG_NEWRULE.rawValue), UInt16(key.family.rawValue),
                        UInt16(NLM_F_CREATE | NLM_F_APPEND | NLM_F_ACK), sequence
                    )
                    if let header { nftnl_rule_nlmsg_build_payload(header, handle) }
                    return header
                }
            }
        }
    }

    /// `add table` (no attributes but the name, so an existing table is left as it is) then
    /// `delete table`: afterwards the table is gone whether or not it existed.
    private static func ensureAndDelete(_ key: NftTable.Key, into writer: inout NftMessageWriter) {
        guard let handle = nftnl_table_alloc() else { fatalError("nftnl_table_alloc: out of memory") }
        defer { nftnl_table_free(handle) }
        nftnl_table_set_str(handle, UInt16(NFTNL_TABLE_NAME.rawValue), key.name)
        nftnl_table_set_u32(handle, UInt16(NFTNL_TABLE_FAMILY.rawValue), UInt32(key.family.rawValue))
        writer.message("NFT_MSG_NEWTABLE \(name(key)) (ensure it exists)") { buffer, sequence in
            tableMessage(buffer, NFT_MSG_NEWTABLE, key, flags: NLM_F_CREATE | NLM_F_ACK, sequence, handle)
        }
        writer.message("NFT_MSG_DELTABLE \(name(key))") { buffer, sequence in
            tableMessage(buffer, NFT_MSG_DELTABLE, key, flags: NLM_F_ACK, sequence, handle)
        }
    }

    private static func addTable(_ table: NftTable, into writer: inout NftMessageWriter) throws(NftEncodingError) {
        let key = table.key
        guard let handle = nftnl_table_alloc() else { fatalError("nftnl_table_alloc: out of memory") }
        defer { nftnl_table_free(handle) }
        nftnl_table_set_str(handle, UInt16(NFTNL_TABLE_NAME.rawValue), key.name)
        nftnl_table_set_u32(handle, UInt16(NFTNL_TABLE_FAMILY.rawValue), UInt32(key.family.rawValue))
        nftnl_table_set_u32(handle, UInt16(NFTNL_TABLE_FLAGS.rawValue), 0)
        if let comment = table.comment {
            guard let userData = NftUserData.comment(comment, type: UInt8(NFTNL_UDATA_TABLE_COMMENT.rawValue)) else {
                throw NftEncodingError(table: key, reason: "table comment of \(comment.utf8.count) bytes is too long")
            }
            userData.withUnsafeBytes { raw in
                _ = nftnl_table_set_data(handle, UInt16(NFTNL_TABLE_USERDATA.rawValue), raw.baseAddress, UInt32(raw.count))
            }
        }
        writer.message("NFT_MSG_NEWTABLE \(name(key))") { buffer, sequence in
            tableMessage(buffer, NFT_MSG_NEWTABLE, key, flags: NLM_F_CREATE | NLM_F_ACK, sequence, handle)
        }
    }

    private static func addChain(
        _ chain: NftChain, table key: NftTable.Key, into writer: inout NftMessageWriter
    ) throws(NftEncodingError) {
        guard let handle = nftnl_chain_alloc() else { fatalError("nftnl_chain_alloc: out of memory") }
        defer { nftnl_chain_free(handle) }
        nftnl_chain_set_str(handle, UInt16(NFTNL_CHAIN_TABLE.rawValue), key.name)
        nftnl_chain_set_str(handle, UInt16(NFTNL_CHAIN_NAME.rawValue), chain.name)
        nftnl_chain_set_u32(handle, UInt16(NFTNL_CHAIN_FAMILY.rawValue), UInt32(key.family.rawValue))
        var hookNumber: UInt32?
        if let hook = chain.hook {
            guard let number = NftHookNames.number(hook.hook, family: key.family.rawValue) else {
                throw NftEncodingError(table: key, chain: chain.name, reason: "unknown hook \"\(hook.hook)\"")
            }
            hookNumber = number
        }
        var userData: [UInt8]?
        if let comment = chain.comment {
            guard let bytes = NftUserData.comment(comment, type: UInt8(NFTNL_UDATA_CHAIN_COMMENT.rawValue)) else {
                throw NftEncodingError(
                    table: key, chain: chain.name, reason: "chain comment of \(comment.utf8.count) bytes is too long"
                )
            }
            userData = bytes
        }
        writer.message("NFT_MSG_NEWCHAIN \(name(key)) chain \(chain.name)") { buffer, sequence in
            let header = nftnl_nlmsg_build_hdr(
                buffer, UInt16(NFT_MSG_NEWCHAIN.rawValue), UInt16(key.family.rawValue),
                UInt16(NLM_F_CREATE | NLM_F_ACK), sequence
            )
            if let header {
                nftnl_chain_nlmsg_build_payload(header, handle)
                appendChainAttributes(header, chain.hook, hookNumber: hookNumber, userData: userData)
            }
            return header
        }
    }

    /// The chain attributes after table and name, in the order nft 1.0.6 writes them (type,
    /// policy, hook nest, userdata) rather than libnftnl's, so our messages equal nft's byte for
    /// byte; the kernel reads them in any order.
    private static func appendChainAttributes(
        _ header: UnsafeMutablePointer<nlmsghdr>, _ hook: NftChain.Hook?, hookNumber: UInt32?, userData: [UInt8]?
    ) {
        if let hook, let hookNumber {
            mnl_attr_put_strz(header, UInt16(NFTA_CHAIN_TYPE.rawValue), hook.type)
            let policy = UInt32(hook.policyAccept ? NF_ACCEPT : NF_DROP)
            mnl_attr_put_u32(header, UInt16(NFTA_CHAIN_POLICY.rawValue), policy.bigEndian)
            let nest = mnl_attr_nest_start(header, UInt16(NFTA_CHAIN_HOOK.rawValue))
            mnl_attr_put_u32(header, UInt16(NFTA_HOOK_HOOKNUM.rawValue), hookNumber.bigEndian)
            mnl_attr_put_u32(header, UInt16(NFTA_HOOK_PRIORITY.rawValue), UInt32(bitPattern: hook.priority).bigEndian)
            mnl_attr_nest_end(header, nest)
        }
        if let userData {
            userData.withUnsafeBytes { raw in
                mnl_attr_put(header, UInt16(NFTA_CHAIN_USERDATA.rawValue), raw.count, raw.baseAddress)
            }
        }
    }

    private static func tableMessage(
        _ buffer: UnsafeMutablePointer<CChar>, _ type: nf_tables_msg_types, _ key: NftTable.Key, flags: Int32,
        _ sequence: UInt32, _ handle: OpaquePointer
    ) -> UnsafeMutablePointer<nlmsghdr>? {
        let header = nftnl_nlmsg_build_hdr(buffer, UInt16(type.rawValue), UInt16(key.family.rawValue), UInt16(flags), sequence)
        if let header { nftnl_table_nlmsg_build_payload(header, handle) }
        return header
    }

    private static func name(_ key: NftTable.Key) -> String { "\(key.family) \(key.name)" }
}
