import CNftnl

/// One nf_tables expression copied out of libnftnl into plain values, so that recognising
/// nft's idioms (Observed's `NftRuleDecoder`) is ordinary Swift over an array and needs no C
/// objects. Numbers are the kernel's (`NftMetaKey`, `NftCompareOperation`, `NftVerdictCode`).
public enum NftExpression: Hashable, Sendable {
    case payload(base: UInt32, offset: UInt32, length: UInt32, register: UInt32)
    case meta(key: UInt32, register: UInt32)
    case bitwise(source: UInt32, destination: UInt32, mask: [UInt8], xor: [UInt8])
    case compare(register: UInt32, operation: UInt32, data: [UInt8])
    /// `immediate` into the verdict register.
    case verdict(code: Int32, chain: String?)
    /// `masq`; `hasRegisters` when it maps to a port range (`masquerade to :1024-2048`).
    case masquerade(flags: UInt32, hasRegisters: Bool)
    case counter
    /// iptables-nft's xtables-compat target/match, with its raw `info` blob.
    case target(name: String, revision: UInt32, info: [UInt8])
    case match(name: String, revision: UInt32, info: [UInt8])
    /// Anything else, as libnftnl prints it (`ct load state => reg 1`).
    case unknown(String)

    /// Copies the attributes this tool recognises; everything else becomes `.unknown` text.
    init(_ expression: OpaquePointer) {
        func u32(_ attribute: Int) -> UInt32 { nftnl_expr_get_u32(expression, UInt16(attribute)) }
        func isSet(_ attribute: Int) -> Bool { nftnl_expr_is_set(expression, UInt16(attribute)) }
        func data(_ attribute: Int) -> [UInt8] {
            var length: UInt32 = 0
            guard let pointer = nftnl_expr_get(expression, UInt16(attribute), &length) else { return [] }
            return Array(UnsafeRawBufferPointer(start: pointer, count: Int(length)))
        }
        func string(_ attribute: Int) -> String? {
            nftnl_expr_get_str(expression, UInt16(attribute)).map { String(cString: $0) }
        }
        let name = string(NFTNL_EXPR_NAME) ?? ""
        switch name {
        case "payload" where isSet(NFTNL_EXPR_PAYLOAD_DREG) && !isSet(NFTNL_EXPR_PAYLOAD_SREG):
            self = .payload(
                base: u32(NFTNL_EXPR_PAYLOAD_BASE), offset: u32(NFTNL_EXPR_PAYLOAD_OFFSET),
                length: u32(NFTNL_EXPR_PAYLOAD_LEN), register: u32(NFTNL_EXPR_PAYLOAD_DREG)
            )
        case "meta" where isSet(NFTNL_EXPR_META_DREG):
            self = .meta(key: u32(NFTNL_EXPR_META_KEY), register: u32(NFTNL_EXPR_META_DREG))
        case "bitwise" where !isSet(NFTNL_EXPR_BITWISE_OP) || u32(NFTNL_EXPR_BITWISE_OP) == UInt32(NFT_BITWISE_MASK_XOR.rawValue):
            self = .bitwise(
                source: u32(NFTNL_EXPR_BITWISE_SREG), destination: u32(NFTNL_EXPR_BITWISE_DREG),
                mask: data(NFTNL_EXPR_BITWISE_MASK), xor: data(NFTNL_EXPR_BITWISE_XOR)
            )
        case "cmp":
            self = .compare(register: u32(NFTNL_EXPR_CMP_SREG), operation: u32(NFTNL_EXPR_CMP_OP), data: data(NFTNL_EXPR_CMP_DATA))
        case "immediate" where u32(NFTNL_EXPR_IMM_DREG) == UInt32(NFT_REG_VERDICT.rawValue) && isSet(NFTNL_EXPR_IMM_VERDICT):
            self = .verdict(code: Int32(bitPattern: u32(NFTNL_EXPR_IMM_VERDICT)), chain: string(NFTNL_EXPR_IMM_CHAIN))
        case "masq":
            self = .masquerade(
                flags: isSet(NFTNL_EXPR_MASQ_FLAGS) ? u32(NFTNL_EXPR_MASQ_FLAGS) : 0,
                hasRegisters: isSet(NFTNL_EXPR_MASQ_REG_PROTO_MIN) || isSet(NFTNL_EXPR_MASQ_REG_PROTO_MAX)
            )
        case "counter":
            self = .counter
        case "target":
            self = .target(name: string(NFTNL_EXPR_TG_NAME) ?? "", revision: u32(NFTNL_EXPR_TG_REV), info: data(NFTNL_EXPR_TG_INFO))
        case "match":
            self = .match(name: string(NFTNL_EXPR_MT_NAME) ?? "", revision: u32(NFTNL_EXPR_MT_REV), info: data(NFTNL_EXPR_MT_INFO))
        default:
            var buffer = [CChar](repeating: 0, count: 1024)
            _ = nftnl_expr_snprintf(&buffer, buffer.count, expression, UInt32(NFTNL_OUTPUT_DEFAULT.rawValue), 0)
            let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let trimmed = text.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            self = .unknown(trimmed.isEmpty ? name : "\(name) \(trimmed)")
        }
    }
}
