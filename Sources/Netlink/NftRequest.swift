import CMnl
import CNftnl

/// nf_tables request messages (pure bytes; the transport stamps sequence numbers).
public enum NftRequest {
    /// The object types a dump can list.
    public enum Object: Sendable {
        case tables, chains, rules

        var getType: nf_tables_msg_types {
            switch self {
            case .tables: NFT_MSG_GETTABLE
            case .chains: NFT_MSG_GETCHAIN
            case .rules: NFT_MSG_GETRULE
            }
        }
    }

    /// A dump request (`NLM_F_DUMP`) of one object type for one family (`NFPROTO_*`; nil: all).
    public static func dump(_ object: Object, family: UInt8?) -> [UInt8] {
        build(object.getType, family: family ?? UInt8(NFPROTO_UNSPEC), flags: UInt16(NLM_F_DUMP))
    }

    /// A dump of the rules of one table, or of one chain of it (`NFTA_RULE_TABLE`,
    /// `NFTA_RULE_CHAIN` set: the kernel walks only those), so reading flannel's chains of `ip nat` does not copy the
    /// thousands of rules kube-proxy keeps in the same table.
    public static func dumpRules(family: UInt8, table: String, chain: String?) -> [UInt8] {
        object(NFT_MSG_GETRULE, family: family, flags: UInt16(NLM_F_DUMP), names: [table] + (chain.map { [$0] } ?? [])) { header in
            guard let rule = nftnl_rule_alloc() else { return false }
            defer { nftnl_rule_free(rule) }
            nftnl_rule_set_u32(rule, UInt16(NFTNL_RULE_FAMILY.rawValue), UInt32(family))
            guard nftnl_rule_set_str(rule, UInt16(NFTNL_RULE_TABLE.rawValue), table) == 0,
                  chain.map({ nftnl_rule_set_str(rule, UInt16(NFTNL_RULE_CHAIN.rawValue), $0) == 0 }) ?? true
            else { return false }
            nftnl_rule_nlmsg_build_payload(header, rule)
            return true
        }
    }

    /// `NFT_MSG_GETTABLE` of one table (not a dump): its `NFT_MSG_NEWTABLE`, or `ENOENT`.
    public static func getTable(family: UInt8, name: String) -> [UInt8] {
        object(NFT_MSG_GETTABLE, family: family, names: [name]) { header in
            guard let table = nftnl_table_alloc() else { return false }
            defer { nftnl_table_free(table) }
            nftnl_table_set_u32(table, UInt16(NFTNL_TABLE_FAMILY.rawValue), UInt32(family))
            guard nftnl_table_set_str(table, UInt16(NFTNL_TABLE_NAME.rawValue), name) == 0 else { return false }
            nftnl_table_nlmsg_build_payload(header, table)
            return true
        }
    }

    /// `NFT_MSG_GETCHAIN` of one chain (not a dump): its `NFT_MSG_NEWCHAIN`, or `ENOENT`. A
    /// node with kube-proxy in iptables mode keeps thousands of chains in `ip nat`; asking for
    /// the few flannel uses costs the same whatever their number (a dump of them cost 300 ms
    /// at 5,000 chains).
    public static func getChain(family: UInt8, table: String, name: String) -> [UInt8] {
        object(NFT_MSG_GETCHAIN, family: family, names: [table, name]) { header in
            guard let chain = nftnl_chain_alloc() else { return false }
            defer { nftnl_chain_free(chain) }
            nftnl_chain_set_u32(chain, UInt16(NFTNL_CHAIN_FAMILY.rawValue), UInt32(family))
            guard nftnl_chain_set_str(chain, UInt16(NFTNL_CHAIN_TABLE.rawValue), table) == 0,
                  nftnl_chain_set_str(chain, UInt16(NFTNL_CHAIN_NAME.rawValue), name) == 0
            else { return false }
            nftnl_chain_nlmsg_build_payload(header, chain)
            return true
        }
    }

    /// A request naming one object (or, with `NLM_F_DUMP`, filtering a dump by it); `payload`
    /// writes its attributes (false: it could not).
    /// Names longer than nf_tables allows (256 bytes with the NUL) give an empty request, which
    /// the transport refuses as not one netlink message: libmnl writes attributes without
    /// checking the room, and the buffer holds two names.
    private static func object(
        _ type: nf_tables_msg_types, family: UInt8, flags: UInt16 = 0, names: [String] = [],
        _ payload: (UnsafeMutablePointer<nlmsghdr>) -> Bool
    ) -> [UInt8] {
        guard names.allSatisfy({ $0.utf8.count < 256 }) else { return [] }
        var buffer = [UInt8](repeating: 0, count: 64 + 2 * 260)
        let length = buffer.withUnsafeMutableBytes { raw -> Int in
            guard let base = raw.baseAddress,
                  let header = nftnl_nlmsg_build_hdr(base.assumingMemoryBound(to: CChar.self), UInt16(type.rawValue), UInt16(family), flags, 0),
                  payload(header)
            else { return 0 }
            return Int(header.pointee.nlmsg_len)
        }
        return Array(buffer[0..<min(length, buffer.count)])
    }

    /// `NFT_MSG_GETGEN`: asks for the ruleset generation id.
    public static func getGeneration() -> [UInt8] {
        build(NFT_MSG_GETGEN, family: UInt8(NFPROTO_UNSPEC), flags: 0)
    }

    /// The generation id (`NFTA_GEN_ID`) of the first `NFT_MSG_NEWGEN` reply that has one.
    public static func generationID(in messages: [NetlinkMessage]) throws(NetlinkError) -> UInt32? {
        for message in messages where message.type == NftMessageType.newGeneration {
            guard message.payload.count >= 4 else { continue }
            for attribute in try NetlinkAttribute.parse(message.payload, from: 4, baseOffset: NetlinkMessage.headerLength)
            where attribute.type == UInt16(NFTA_GEN_ID.rawValue) {
                if let id = attribute.bigEndianUInt32 { return id }
            }
        }
        return nil
    }

    private static func build(_ type: nf_tables_msg_types, family: UInt8, flags: UInt16) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 64)
        let length = buffer.withUnsafeMutableBytes { raw -> Int in
            guard let base = raw.baseAddress,
                  let header = nftnl_nlmsg_build_hdr(base.assumingMemoryBound(to: CChar.self), UInt16(type.rawValue), UInt16(family), flags, 0)
            else { return 0 }
            return Int(header.pointee.nlmsg_len)
        }
        return Array(buffer[0..<length])
    }
}
