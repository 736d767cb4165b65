import CMnl
import CNftnl

/// Owning wrappers of the libnftnl objects a batch is built from. Each owns its
/// `struct nftnl_*` and frees it when released, on every path: an initializer that fails frees
/// what it allocated before throwing. Allocation failures (the only way libnftnl's setters
/// fail) throw `NetlinkError.outOfMemory`, the one way out-of-memory leaves this module.
///
/// Not `Sendable`: a libnftnl object belongs to the one batch being built.
public final class NftTableObject {
    let handle: OpaquePointer
    let family: UInt8

    /// A table with its family and name; nothing else is sent unless set below, so a
    /// `NEWTABLE` of it leaves an existing table as it is.
    public init(family: UInt8, name: String) throws(NetlinkError) {
        handle = try NftAllocation.make("nftnl_table", alloc: nftnl_table_alloc, free: nftnl_table_free) { handle in
            nftnl_table_set_u32(handle, UInt16(NFTNL_TABLE_FAMILY.rawValue), UInt32(family))
            return nftnl_table_set_str(handle, UInt16(NFTNL_TABLE_NAME.rawValue), name) == 0
        }
        self.family = family
    }

    deinit { nftnl_table_free(handle) }

    public func setFlags(_ flags: UInt32) {
        nftnl_table_set_u32(handle, UInt16(NFTNL_TABLE_FLAGS.rawValue), flags)
    }

    /// `NFTA_TABLE_USERDATA` (see `NftUserData`).
    public func setUserData(_ bytes: [UInt8]) throws(NetlinkError) {
        let status = bytes.withUnsafeBytes { raw in
            nftnl_table_set_data(handle, UInt16(NFTNL_TABLE_USERDATA.rawValue), raw.baseAddress, UInt32(raw.count))
        }
        guard status == 0 else { throw .outOfMemory("nftnl_table userdata") }
    }

    func buildPayload(_ header: UnsafeMutablePointer<nlmsghdr>) {
        nftnl_table_nlmsg_build_payload(header, handle)
    }
}

/// A chain. libnftnl writes table, name and family; the base-chain attributes and userdata set
/// here are appended after them in the order nft 1.0.6 writes them (type, policy, hook nest,
/// userdata) rather than libnftnl's, so our messages equal nft's byte for byte; the kernel
/// reads them in any order.
public final class NftChainObject {
    let handle: OpaquePointer
    let family: UInt8
    private var base: (type: String, hook: UInt32, priority: Int32, policyAccept: Bool)?
    private var userData: [UInt8]?

    public init(family: UInt8, table: String, name: String) throws(NetlinkError) {
        handle = try NftAllocation.make("nftnl_chain", alloc: nftnl_chain_alloc, free: nftnl_chain_free) { handle in
            nftnl_chain_set_u32(handle, UInt16(NFTNL_CHAIN_FAMILY.rawValue), UInt32(family))
            return nftnl_chain_set_str(handle, UInt16(NFTNL_CHAIN_TABLE.rawValue), table) == 0
                && nftnl_chain_set_str(handle, UInt16(NFTNL_CHAIN_NAME.rawValue), name) == 0
        }
        self.family = family
    }

    deinit { nftnl_chain_free(handle) }

    /// Makes it a base chain: its type (`nat`), hook number, priority and policy.
    public func setBase(type: String, hook: UInt32, priority: Int32, policyAccept: Bool) {
        base = (type, hook, priority, policyAccept)
    }

    /// `NFTA_CHAIN_USERDATA` (see `NftUserData`).
    public func setUserData(_ bytes: [UInt8]) {
        userData = bytes
    }

    func buildPayload(_ header: UnsafeMutablePointer<nlmsghdr>) {
        nftnl_chain_nlmsg_build_payload(header, handle)
        if let base {
            mnl_attr_put_strz(header, UInt16(NFTA_CHAIN_TYPE.rawValue), base.type)
            let policy = UInt32(base.policyAccept ? NF_ACCEPT : NF_DROP)
            mnl_attr_put_u32(header, UInt16(NFTA_CHAIN_POLICY.rawValue), policy.bigEndian)
            let nest = mnl_attr_nest_start(header, UInt16(NFTA_CHAIN_HOOK.rawValue))
            mnl_attr_put_u32(header, UInt16(NFTA_HOOK_HOOKNUM.rawValue), base.hook.bigEndian)
            mnl_attr_put_u32(header, UInt16(NFTA_HOOK_PRIORITY.rawValue), UInt32(bitPattern: base.priority).bigEndian)
            mnl_attr_nest_end(header, nest)
        }
        if let userData {
            userData.withUnsafeBytes { raw in
                mnl_attr_put(header, UInt16(NFTA_CHAIN_USERDATA.rawValue), raw.count, raw.baseAddress)
            }
        }
    }
}

/// A rule: its table, chain and family, then expressions in order.
public final class NftRuleObject {
    let handle: OpaquePointer
    let family: UInt8

    public init(family: UInt8, table: String, chain: String) throws(NetlinkError) {
        handle = try NftAllocation.make("nftnl_rule", alloc: nftnl_rule_alloc, free: nftnl_rule_free) { handle in
            nftnl_rule_set_u32(handle, UInt16(NFTNL_RULE_FAMILY.rawValue), UInt32(family))
            return nftnl_rule_set_str(handle, UInt16(NFTNL_RULE_TABLE.rawValue), table) == 0
                && nftnl_rule_set_str(handle, UInt16(NFTNL_RULE_CHAIN.rawValue), chain) == 0
        }
        self.family = family
    }

    deinit { nftnl_rule_free(handle) }

    /// Appends the expression; the rule owns it from now on.
    public func addExpression(_ expression: consuming NftExpressionObject) {
        nftnl_rule_add_expr(handle, expression.release())
    }

    /// `NFTA_RULE_USERDATA` (see `NftUserData`).
    public func setUserData(_ bytes: [UInt8]) throws(NetlinkError) {
        let status = bytes.withUnsafeBytes { raw in
            nftnl_rule_set_data(handle, UInt16(NFTNL_RULE_USERDATA.rawValue), raw.baseAddress, UInt32(raw.count))
        }
        guard status == 0 else { throw .outOfMemory("nftnl_rule userdata") }
    }

    /// `NFTA_RULE_HANDLE`: which rule a delete removes.
    public func setHandle(_ ruleHandle: UInt64) {
        nftnl_rule_set_u64(handle, UInt16(NFTNL_RULE_HANDLE.rawValue), ruleHandle)
    }

    /// `NFTA_RULE_COMPAT`: the layer-4 protocol and its inversion flag the xtables matches of
    /// the rule are checked against, as iptables-nft sends with every rule (0, 0: any).
    public func setCompat(protocol number: UInt32, flags: UInt32) {
        nftnl_rule_set_u32(handle, UInt16(NFTNL_RULE_COMPAT_PROTO.rawValue), number)
        nftnl_rule_set_u32(handle, UInt16(NFTNL_RULE_COMPAT_FLAGS.rawValue), flags)
    }

    func buildPayload(_ header: UnsafeMutablePointer<nlmsghdr>) {
        nftnl_rule_nlmsg_build_payload(header, handle)
    }
}

/// Allocation of a libnftnl object with its identifying attributes.
enum NftAllocation {
    /// `alloc`, then `configure` (false: a setter could not allocate); on failure the object is
    /// freed before `NetlinkError.outOfMemory` is thrown.
    static func make(
        _ what: String, alloc: () -> OpaquePointer?, free: (OpaquePointer?) -> Void, _ configure: (OpaquePointer) -> Bool
    ) throws(NetlinkError) -> OpaquePointer {
        guard let handle = alloc() else { throw .outOfMemory(what) }
        guard configure(handle) else {
            free(handle)
            throw .outOfMemory("\(what) attributes")
        }
        return handle
    }
}
