import CNftnl
import NetState

/// Turns one model rule into libnftnl expressions exactly as nft 1.0.6 encodes the same text,
/// so a table we install lists the same as one `nft -f` loads (checked byte for byte against
/// nft's own batch in the tests).
///
/// - `ip saddr 10.244.0.0/16`: nft loads only the prefix's whole bytes (`payload load 2b @
///   network header + 12`) and compares them; a prefix that is not byte-aligned (`/4`, `/20`)
///   loads all 4 bytes and masks them with `bitwise` first; `/32` loads 4 bytes, no mask.
/// - `meta mark & 0x4000 == 0x4000`: `meta load mark`, `bitwise` with the mask (omitted for an
///   all-ones mask, printed `meta mark 0x…`), `cmp eq`; the mark is in host byte order.
/// - `oifname "eth0"`: `meta load oifname`, `cmp` over 16 bytes (`IFNAMSIZ`, NUL padded); a
///   trailing `*` compares only the bytes before it.
/// - verdicts: `immediate` to the verdict register; masquerade is the `masq` expression with
///   `NF_NAT_RANGE_PROTO_RANDOM_FULLY` for `fully-random`.
enum NftRuleEncoder {
    /// `NFT_REG_1`: the first 16-byte data register, the one nft uses for a single match.
    static let register: UInt32 = UInt32(NFT_REG_1.rawValue)
    static let verdictRegister: UInt32 = UInt32(NFT_REG_VERDICT.rawValue)
    static let interfaceNameSize = 16

    /// Builds the libnftnl rule (caller frees it) or says why the rule has no wire form.
    static func rule(
        _ rule: NftRule, table: NftTable.Key, chain: String, position: Int
    ) throws(NftEncodingError) -> OpaquePointer {
        func failure(_ reason: String) -> NftEncodingError {
            NftEncodingError(table: table, chain: chain, rule: position, reason: reason)
        }
        guard let handle = nftnl_rule_alloc() else { throw failure("out of memory") }
        nftnl_rule_set_str(handle, UInt16(NFTNL_RULE_TABLE.rawValue), table.name)
        nftnl_rule_set_str(handle, UInt16(NFTNL_RULE_CHAIN.rawValue), chain)
        nftnl_rule_set_u32(handle, UInt16(NFTNL_RULE_FAMILY.rawValue), UInt32(table.family.rawValue))
        do throws(NftEncodingError) {
            for match in rule.matches {
                try add(match, to: handle, failure: failure)
            }
            try add(rule.verdict, to: handle, failure: failure)
        } catch {
            nftnl_rule_free(handle)
            throw error
        }
        if let comment = rule.comment {
            guard let userData = NftUserData.comment(comment, type: UInt8(NFTNL_UDATA_RULE_COMMENT.rawValue)) else {
                nftnl_rule_free(handle)
                throw failure("comment of \(comment.utf8.count) bytes is too long")
            }
            userData.withUnsafeBytes { raw in
                _ = nftnl_rule_set_data(handle, UInt16(NFTNL_RULE_USERDATA.rawValue), raw.baseAddress, UInt32(raw.count))
            }
        }
        return handle
    }

    private static func add(
        _ match: NftMatch, to rule: OpaquePointer, failure: (String) -> NftEncodingError
    ) throws(NftEncodingError) {
        switch match {
        case let .mark(mask, value):
            expression("meta", rule) { meta in
                setU32(meta, NFTNL_EXPR_META_KEY, UInt32(NFT_META_MARK.rawValue))
                setU32(meta, NFTNL_EXPR_META_DREG, register)
            }
            if mask != .max {
                bitwise(rule, mask: hostBytes(mask), explicitOperation: true)
            }
            compare(rule, equal: true, hostBytes(value))
        case let .sourceAddress(prefix, negated):
            address(rule, offset: 12, prefix, negated: negated)
        case let .destinationAddress(prefix, negated):
            address(rule, offset: 16, prefix, negated: negated)
        case let .outputInterface(name, negated):
            try interface(rule, key: UInt32(NFT_META_OIFNAME.rawValue), name, negated: negated, failure: failure)
        case let .inputInterface(name, negated):
            try interface(rule, key: UInt32(NFT_META_IIFNAME.rawValue), name, negated: negated, failure: failure)
        case let .other(text):
            throw failure("no wire form for match \"\(text)\"")
        }
    }

    private static func add(
        _ verdict: NftVerdict, to rule: OpaquePointer, failure: (String) -> NftEncodingError
    ) throws(NftEncodingError) {
        switch verdict {
        case .accept: immediate(rule, verdict: NF_ACCEPT)
        case .drop: immediate(rule, verdict: NF_DROP)
        case .return: immediate(rule, verdict: NFT_RETURN.rawValue)
        case let .jump(chain): immediate(rule, verdict: NFT_JUMP.rawValue, chain: chain)
        case let .goto(chain): immediate(rule, verdict: NFT_GOTO.rawValue, chain: chain)
        case .continue: break
        case let .masquerade(fullyRandom):
            expression("masq", rule) { masq in
                if fullyRandom { setU32(masq, NFTNL_EXPR_MASQ_FLAGS, UInt32(NF_NAT_RANGE_PROTO_RANDOM_FULLY)) }
            }
        case let .other(text):
            throw failure("no wire form for verdict \"\(text)\"")
        }
    }

    private static func address(_ rule: OpaquePointer, offset: UInt32, _ prefix: IPv4Prefix, negated: Bool) {
        let aligned = prefix.length > 0 && prefix.length % 8 == 0
        let loaded = aligned ? Int(prefix.length / 8) : 4
        expression("payload", rule) { payload in
            setU32(payload, NFTNL_EXPR_PAYLOAD_DREG, register)
            setU32(payload, NFTNL_EXPR_PAYLOAD_BASE, UInt32(NFT_PAYLOAD_NETWORK_HEADER.rawValue))
            setU32(payload, NFTNL_EXPR_PAYLOAD_OFFSET, offset)
            setU32(payload, NFTNL_EXPR_PAYLOAD_LEN, UInt32(loaded))
        }
        if !aligned {
            bitwise(rule, mask: IPv4Address(prefix.netmask).octets)
        }
        compare(rule, equal: !negated, Array(prefix.address.octets[0..<loaded]))
    }

    private static func interface(
        _ rule: OpaquePointer, key: UInt32, _ name: String, negated: Bool, failure: (String) -> NftEncodingError
    ) throws(NftEncodingError) {
        var bytes = Array(name.utf8)
        let wildcard = bytes.last == UInt8(ascii: "*")
        if wildcard { bytes.removeLast() }
        guard bytes.count < interfaceNameSize, !bytes.contains(0) else {
            throw failure("interface name \"\(name)\" is not a valid name (at most \(interfaceNameSize - 1) bytes)")
        }
        if !wildcard { bytes += [UInt8](repeating: 0, count: interfaceNameSize - bytes.count) }
        expression("meta", rule) { meta in
            setU32(meta, NFTNL_EXPR_META_KEY, key)
            setU32(meta, NFTNL_EXPR_META_DREG, register)
        }
        compare(rule, equal: !negated, bytes)
    }

    /// `explicitOperation`: nft names the operation (`NFT_BITWISE_MASK_XOR`, formerly `NFT_BITWISE_BOOL`) when it encodes a
    /// binary `&` written in the rule, and leaves it to the kernel's default for the mask it
    /// derives from an address prefix.
    private static func bitwise(_ rule: OpaquePointer, mask: [UInt8], explicitOperation: Bool = false) {
        expression("bitwise", rule) { bitwise in
            setU32(bitwise, NFTNL_EXPR_BITWISE_SREG, register)
            setU32(bitwise, NFTNL_EXPR_BITWISE_DREG, register)
            if explicitOperation { setU32(bitwise, NFTNL_EXPR_BITWISE_OP, UInt32(NFT_BITWISE_MASK_XOR.rawValue)) }
            setU32(bitwise, NFTNL_EXPR_BITWISE_LEN, UInt32(mask.count))
            setData(bitwise, NFTNL_EXPR_BITWISE_MASK, mask)
            setData(bitwise, NFTNL_EXPR_BITWISE_XOR, [UInt8](repeating: 0, count: mask.count))
        }
    }

    private static func compare(_ rule: OpaquePointer, equal: Bool, _ data: [UInt8]) {
        expression("cmp", rule) { cmp in
            setU32(cmp, NFTNL_EXPR_CMP_SREG, register)
            setU32(cmp, NFTNL_EXPR_CMP_OP, UInt32(equal ? NFT_CMP_EQ.rawValue : NFT_CMP_NEQ.rawValue))
            setData(cmp, NFTNL_EXPR_CMP_DATA, data)
        }
    }

    private static func immediate(_ rule: OpaquePointer, verdict: Int32, chain: String? = nil) {
        expression("immediate", rule) { immediate in
            setU32(immediate, NFTNL_EXPR_IMM_DREG, verdictRegister)
            setU32(immediate, NFTNL_EXPR_IMM_VERDICT, UInt32(bitPattern: verdict))
            if let chain { nftnl_expr_set_str(immediate, UInt16(NFTNL_EXPR_IMM_CHAIN), chain) }
        }
    }

    /// Allocates an expression, lets `configure` set it, and hands it to the rule (which then
    /// owns it). An allocation failure leaves the rule without the expression, which the kernel
    /// would then accept as a different rule, so it stops the process as any OOM would.
    private static func expression(_ name: String, _ rule: OpaquePointer, _ configure: (OpaquePointer) -> Void) {
        guard let expression = nftnl_expr_alloc(name) else { fatalError("nftnl_expr_alloc(\(name)): out of memory") }
        configure(expression)
        nftnl_rule_add_expr(rule, expression)
    }

    private static func setU32(_ expression: OpaquePointer, _ attribute: Int, _ value: UInt32) {
        nftnl_expr_set_u32(expression, UInt16(attribute), value)
    }

    private static func setData(_ expression: OpaquePointer, _ attribute: Int, _ data: [UInt8]) {
        data.withUnsafeBytes { raw in
            _ = nftnl_expr_set(expression, UInt16(attribute), raw.baseAddress, UInt32(raw.count))
        }
    }

    /// A 32-bit value as the kernel compares meta keys: host byte order.
    private static func hostBytes(_ value: UInt32) -> [UInt8] {
        withUnsafeBytes(of: value) { Array($0) }
    }
}
