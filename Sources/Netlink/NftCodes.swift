import CNftnl

/// The nf_tables numbers the model's rules are made of, named here so that code outside this
/// module builds and recognises expressions without importing the C headers.
public enum NftRegister {
    /// `NFT_REG_1`: the first 16-byte data register, the one nft uses for a single match.
    public static let one = UInt32(NFT_REG_1.rawValue)
    /// `NFT_REG_VERDICT`.
    public static let verdict = UInt32(NFT_REG_VERDICT.rawValue)
}

/// `NFT_PAYLOAD_*` bases.
public enum NftPayloadBase {
    public static let networkHeader = UInt32(NFT_PAYLOAD_NETWORK_HEADER.rawValue)
}

/// `NFT_META_*` keys.
public enum NftMetaKey {
    public static let mark = UInt32(NFT_META_MARK.rawValue)
    public static let nfproto = UInt32(NFT_META_NFPROTO.rawValue)
    public static let outputInterfaceName = UInt32(NFT_META_OIFNAME.rawValue)
    public static let inputInterfaceName = UInt32(NFT_META_IIFNAME.rawValue)
}

/// `NFT_CMP_*` operations.
public enum NftCompareOperation {
    public static let equal = UInt32(NFT_CMP_EQ.rawValue)
    public static let notEqual = UInt32(NFT_CMP_NEQ.rawValue)
}

/// `NFT_BITWISE_*` operations.
public enum NftBitwiseOperation {
    /// `NFT_BITWISE_MASK_XOR` (formerly `NFT_BITWISE_BOOL`), the kernel's default.
    public static let maskXor = UInt32(NFT_BITWISE_MASK_XOR.rawValue)
}

/// Verdict codes of the verdict register: netfilter's `NF_ACCEPT`/`NF_DROP` and nf_tables'
/// negative `NFT_*` codes.
public enum NftVerdictCode {
    public static let accept = NF_ACCEPT
    public static let drop = NF_DROP
    public static let `return` = NFT_RETURN.rawValue
    public static let `continue` = NFT_CONTINUE.rawValue
    public static let jump = NFT_JUMP.rawValue
    public static let goto = NFT_GOTO.rawValue
}

/// `NF_NAT_RANGE_*` flags of `masq` and xt `MASQUERADE`.
public enum NftNatFlag {
    public static let randomFully = UInt32(NF_NAT_RANGE_PROTO_RANDOM_FULLY)
}

/// nfnetlink message types of the nf_tables subsystem, as they appear in `nlmsg_type`.
public enum NftMessageType {
    public static let subsystem = UInt16(NFNL_SUBSYS_NFTABLES) << 8
    public static let newTable = subsystem | UInt16(NFT_MSG_NEWTABLE.rawValue)
    public static let newChain = subsystem | UInt16(NFT_MSG_NEWCHAIN.rawValue)
    public static let newRule = subsystem | UInt16(NFT_MSG_NEWRULE.rawValue)
    public static let newGeneration = subsystem | UInt16(NFT_MSG_NEWGEN.rawValue)
}
