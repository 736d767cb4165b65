import CMnl
import CNftnl

/// An `NFT_MSG_NEWTABLE` message read with libnftnl into plain values.
public struct NftTableMessage: Hashable, Sendable {
    public var family: UInt8
    public var name: String
    /// `NFTA_TABLE_USERDATA` (see `NftUserData`); empty when absent.
    public var userData: [UInt8]

    public init(decoding message: NetlinkMessage) throws(NetlinkError) {
        (family, name, userData) = try NftParsing.parse(
            message, "table", alloc: nftnl_table_alloc, free: nftnl_table_free, parse: nftnl_table_nlmsg_parse
        ) { table in
            (
                UInt8(truncatingIfNeeded: nftnl_table_get_u32(table, UInt16(NFTNL_TABLE_FAMILY.rawValue))),
                NftParsing.string(nftnl_table_get_str(table, UInt16(NFTNL_TABLE_NAME.rawValue))),
                NftParsing.data { nftnl_table_get_data(table, UInt16(NFTNL_TABLE_USERDATA.rawValue), $0) }
            )
        }
    }
}

/// An `NFT_MSG_NEWCHAIN` message read with libnftnl into plain values.
public struct NftChainMessage: Hashable, Sendable {
    public var family: UInt8
    public var table: String
    public var name: String
    /// The base-chain attributes; nil for a regular chain (no hook).
    public var base: Base?
    /// `NFTA_CHAIN_USERDATA`; empty when absent.
    public var userData: [UInt8]

    public struct Base: Hashable, Sendable {
        /// `nat`, `filter`; nil when the kernel sent none.
        public var type: String?
        public var hook: UInt32
        public var priority: Int32
        /// `NF_ACCEPT`/`NF_DROP`; nil when the kernel sent none.
        public var policy: UInt32?
    }

    public init(decoding message: NetlinkMessage) throws(NetlinkError) {
        self = try NftParsing.parse(
            message, "chain", alloc: nftnl_chain_alloc, free: nftnl_chain_free, parse: nftnl_chain_nlmsg_parse,
            NftChainMessage.init(chain:)
        )
    }

    private init(chain: OpaquePointer) {
        func isSet(_ attribute: nftnl_chain_attr) -> Bool { nftnl_chain_is_set(chain, UInt16(attribute.rawValue)) }
        func u32(_ attribute: nftnl_chain_attr) -> UInt32 { nftnl_chain_get_u32(chain, UInt16(attribute.rawValue)) }
        func string(_ attribute: nftnl_chain_attr) -> String {
            NftParsing.string(nftnl_chain_get_str(chain, UInt16(attribute.rawValue)))
        }
        family = UInt8(truncatingIfNeeded: u32(NFTNL_CHAIN_FAMILY))
        table = string(NFTNL_CHAIN_TABLE)
        name = string(NFTNL_CHAIN_NAME)
        if isSet(NFTNL_CHAIN_HOOKNUM) {
            base = Base(
                type: isSet(NFTNL_CHAIN_TYPE) ? string(NFTNL_CHAIN_TYPE) : nil,
                hook: u32(NFTNL_CHAIN_HOOKNUM),
                priority: nftnl_chain_get_s32(chain, UInt16(NFTNL_CHAIN_PRIO.rawValue)),
                policy: isSet(NFTNL_CHAIN_POLICY) ? u32(NFTNL_CHAIN_POLICY) : nil
            )
        }
        userData = NftParsing.data { nftnl_chain_get_data(chain, UInt16(NFTNL_CHAIN_USERDATA.rawValue), $0) }
    }
}

/// An `NFT_MSG_NEWRULE` message read with libnftnl into plain values.
public struct NftRuleMessage: Hashable, Sendable {
    public var family: UInt8
    public var table: String
    public var chain: String
    /// `NFTA_RULE_HANDLE`: what a delete of this rule names; nil when absent.
    public var handle: UInt64?
    public var expressions: [NftExpression]
    /// `NFTA_RULE_USERDATA`; empty when absent.
    public var userData: [UInt8]

    public init(decoding message: NetlinkMessage) throws(NetlinkError) {
        self = try NftParsing.parse(
            message, "rule", alloc: nftnl_rule_alloc, free: nftnl_rule_free, parse: nftnl_rule_nlmsg_parse,
            NftRuleMessage.init(rule:)
        )
    }

    private init(rule: OpaquePointer) {
        family = UInt8(truncatingIfNeeded: nftnl_rule_get_u32(rule, UInt16(NFTNL_RULE_FAMILY.rawValue)))
        table = NftParsing.string(nftnl_rule_get_str(rule, UInt16(NFTNL_RULE_TABLE.rawValue)))
        chain = NftParsing.string(nftnl_rule_get_str(rule, UInt16(NFTNL_RULE_CHAIN.rawValue)))
        handle = nftnl_rule_is_set(rule, UInt16(NFTNL_RULE_HANDLE.rawValue))
            ? nftnl_rule_get_u64(rule, UInt16(NFTNL_RULE_HANDLE.rawValue)) : nil
        expressions = []
        if let iterator = nftnl_expr_iter_create(rule) {
            while let expression = nftnl_expr_iter_next(iterator) {
                expressions.append(NftExpression(expression))
            }
            nftnl_expr_iter_destroy(iterator)
        }
        userData = NftParsing.data { nftnl_rule_get_data(rule, UInt16(NFTNL_RULE_USERDATA.rawValue), $0) }
    }
}

/// Parsing one message into a fresh libnftnl object, which is freed on every path.
enum NftParsing {
    static func parse<T>(
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
        guard let object = alloc() else { throw .outOfMemory("nftnl_\(what)") }
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

    static func string(_ pointer: UnsafePointer<CChar>?) -> String {
        pointer.map { String(cString: $0) } ?? ""
    }

    /// A copy of a `get_data` attribute; empty when it is not set.
    static func data(_ get: (UnsafeMutablePointer<UInt32>) -> UnsafeRawPointer?) -> [UInt8] {
        var length: UInt32 = 0
        guard let pointer = get(&length), length > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: Int(length)))
    }
}
