import Glibc
import CNftnl

/// One libnftnl expression being built. It is freed when dropped, unless a rule took it
/// (`NftRuleObject.addExpression`), which then owns it: being non-copyable, it cannot be both.
///
/// The factories build the expressions nft writes for the model's matches; attributes left
/// out are not sent.
public struct NftExpressionObject: ~Copyable {
    private let handle: OpaquePointer

    /// An empty expression of libnftnl's type `name` (`"meta"`, `"cmp"`).
    public init(_ name: String) throws(NetlinkError) {
        guard let handle = nftnl_expr_alloc(name) else { throw .outOfMemory("nftnl_expr \(name)") }
        self.handle = handle
    }

    deinit { nftnl_expr_free(handle) }

    /// Hands the expression over to a new owner without freeing it.
    consuming func release() -> OpaquePointer {
        let handle = self.handle
        discard self
        return handle
    }

    private func set(_ attribute: Int, _ value: UInt32) {
        nftnl_expr_set_u32(handle, UInt16(attribute), value)
    }

    private func set(_ attribute: Int, _ data: [UInt8]) throws(NetlinkError) {
        let status = data.withUnsafeBytes { raw in
            nftnl_expr_set(handle, UInt16(attribute), raw.baseAddress, UInt32(raw.count))
        }
        guard status == 0 else { throw .outOfMemory("nftnl_expr data") }
    }

    /// For the xtables `info` blobs: libnftnl keeps the pointer it is given and frees it with
    /// the expression (`nftnl_expr_match_set`/`_target_set` do not copy), so it gets a copy of
    /// its own from `malloc`.
    private func setHandingOver(_ attribute: Int, _ data: [UInt8]) throws(NetlinkError) {
        guard let copy = malloc(max(1, data.count)) else { throw .outOfMemory("nftnl_expr info") }
        data.withUnsafeBytes { raw in
            if let base = raw.baseAddress { memcpy(copy, base, raw.count) }
        }
        guard nftnl_expr_set(handle, UInt16(attribute), copy, UInt32(data.count)) == 0 else {
            free(copy)
            throw .outOfMemory("nftnl_expr info")
        }
    }

    private func set(_ attribute: Int, _ text: String) throws(NetlinkError) {
        guard nftnl_expr_set_str(handle, UInt16(attribute), text) == 0 else { throw .outOfMemory("nftnl_expr string") }
    }
}

extension NftExpressionObject {
    /// `meta load <key> => reg <register>`.
    public static func meta(key: UInt32, register: UInt32) throws(NetlinkError) -> NftExpressionObject {
        let meta = try NftExpressionObject("meta")
        meta.set(NFTNL_EXPR_META_KEY, key)
        meta.set(NFTNL_EXPR_META_DREG, register)
        return meta
    }

    /// `payload load <length>b @ <base> + <offset> => reg <register>`.
    public static func payload(
        base: UInt32, offset: UInt32, length: UInt32, register: UInt32
    ) throws(NetlinkError) -> NftExpressionObject {
        let payload = try NftExpressionObject("payload")
        payload.set(NFTNL_EXPR_PAYLOAD_DREG, register)
        payload.set(NFTNL_EXPR_PAYLOAD_BASE, base)
        payload.set(NFTNL_EXPR_PAYLOAD_OFFSET, offset)
        payload.set(NFTNL_EXPR_PAYLOAD_LEN, length)
        return payload
    }

    /// `reg = (reg & mask) ^ xor` in place. `operation` nil leaves it to the kernel's default,
    /// as nft does for the mask it derives from an address prefix.
    public static func bitwise(
        register: UInt32, mask: [UInt8], xor: [UInt8], operation: UInt32? = nil
    ) throws(NetlinkError) -> NftExpressionObject {
        let bitwise = try NftExpressionObject("bitwise")
        bitwise.set(NFTNL_EXPR_BITWISE_SREG, register)
        bitwise.set(NFTNL_EXPR_BITWISE_DREG, register)
        if let operation { bitwise.set(NFTNL_EXPR_BITWISE_OP, operation) }
        bitwise.set(NFTNL_EXPR_BITWISE_LEN, UInt32(mask.count))
        try bitwise.set(NFTNL_EXPR_BITWISE_MASK, mask)
        try bitwise.set(NFTNL_EXPR_BITWISE_XOR, xor)
        return bitwise
    }

    /// `cmp <operation> reg <register> <data>`.
    public static func compare(
        register: UInt32, operation: UInt32, data: [UInt8]
    ) throws(NetlinkError) -> NftExpressionObject {
        let cmp = try NftExpressionObject("cmp")
        cmp.set(NFTNL_EXPR_CMP_SREG, register)
        cmp.set(NFTNL_EXPR_CMP_OP, operation)
        try cmp.set(NFTNL_EXPR_CMP_DATA, data)
        return cmp
    }

    /// `immediate` of a verdict (`NftVerdictCode`), with the target chain of a jump or goto.
    public static func verdict(_ code: Int32, chain: String? = nil) throws(NetlinkError) -> NftExpressionObject {
        let immediate = try NftExpressionObject("immediate")
        immediate.set(NFTNL_EXPR_IMM_DREG, NftRegister.verdict)
        immediate.set(NFTNL_EXPR_IMM_VERDICT, UInt32(bitPattern: code))
        if let chain { try immediate.set(NFTNL_EXPR_IMM_CHAIN, chain) }
        return immediate
    }

    /// `masq`, with `NftNatFlag`s when given.
    public static func masquerade(flags: UInt32?) throws(NetlinkError) -> NftExpressionObject {
        let masq = try NftExpressionObject("masq")
        if let flags { masq.set(NFTNL_EXPR_MASQ_FLAGS, flags) }
        return masq
    }

    /// `counter` from zero, as iptables-nft puts in every rule (bytes, then packets).
    public static func counter() throws(NetlinkError) -> NftExpressionObject {
        let counter = try NftExpressionObject("counter")
        nftnl_expr_set_u64(counter.handle, UInt16(NFTNL_EXPR_CTR_BYTES), 0)
        nftnl_expr_set_u64(counter.handle, UInt16(NFTNL_EXPR_CTR_PACKETS), 0)
        return counter
    }

    /// An xtables match run through `nft_compat` (`-m comment`): its name, revision and the
    /// raw `info` structure the kernel module reads.
    public static func xtMatch(name: String, revision: UInt32, info: [UInt8]) throws(NetlinkError) -> NftExpressionObject {
        try xtables("match", name: (NFTNL_EXPR_MT_NAME, name), revision: (NFTNL_EXPR_MT_REV, revision), info: (NFTNL_EXPR_MT_INFO, info))
    }

    /// An xtables target run through `nft_compat` (`-j MASQUERADE`).
    public static func xtTarget(name: String, revision: UInt32, info: [UInt8]) throws(NetlinkError) -> NftExpressionObject {
        try xtables("target", name: (NFTNL_EXPR_TG_NAME, name), revision: (NFTNL_EXPR_TG_REV, revision), info: (NFTNL_EXPR_TG_INFO, info))
    }

    /// The two compat expressions differ only in their attribute numbers.
    private static func xtables(
        _ kind: String, name: (Int, String), revision: (Int, UInt32), info: (Int, [UInt8])
    ) throws(NetlinkError) -> NftExpressionObject {
        let expression = try NftExpressionObject(kind)
        try expression.set(name.0, name.1)
        expression.set(revision.0, revision.1)
        try expression.setHandingOver(info.0, info.1)
        return expression
    }
}
