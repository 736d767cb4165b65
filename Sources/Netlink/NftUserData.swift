import CNftnl

/// The comment TLV nft stores in an object's userdata (`NFTA_*_USERDATA`): a list of TLVs
/// (type byte, length byte, value), the comment being the text with its terminating NUL
/// (`nftnl_udata_put_strz`) under the object's comment type, as nft itself writes it, so
/// `nft list` shows comments we set and we read the ones nft set.
public enum NftUserData {
    /// nft's `NFT_USERDATA_MAXLEN`.
    static let maximumLength: UInt32 = 256

    /// The comment types of tables, chains and rules (`NFTNL_UDATA_*_COMMENT`).
    public static let tableComment = UInt8(NFTNL_UDATA_TABLE_COMMENT.rawValue)
    public static let chainComment = UInt8(NFTNL_UDATA_CHAIN_COMMENT.rawValue)
    public static let ruleComment = UInt8(NFTNL_UDATA_RULE_COMMENT.rawValue)

    /// The userdata bytes holding `comment` under `type`; nil when the comment does not fit
    /// (a TLV length is one byte, and nft caps userdata at 256 bytes).
    public static func comment(_ comment: String, type: UInt8) throws(NetlinkError) -> [UInt8]? {
        guard comment.utf8.count < 255 else { return nil }
        guard let buffer = nftnl_udata_buf_alloc(maximumLength) else { throw .outOfMemory("nftnl_udata") }
        defer { nftnl_udata_buf_free(buffer) }
        guard nftnl_udata_put_strz(buffer, type, comment), let data = nftnl_udata_buf_data(buffer) else { return nil }
        return Array(UnsafeRawBufferPointer(start: data, count: Int(nftnl_udata_buf_len(buffer))))
    }

    /// The comment under `type` in userdata bytes, nil when there is none or the TLVs are cut.
    public static func comment(in bytes: [UInt8], type: UInt8) -> String? {
        var offset = 0
        while offset + 2 <= bytes.count {
            let kind = bytes[offset]
            let length = Int(bytes[offset + 1])
            let start = offset + 2
            guard start + length <= bytes.count else { return nil }
            if kind == type {
                let value = bytes[start..<(start + length)]
                let text = value.prefix { $0 != 0 }
                return String(decoding: text, as: UTF8.self)
            }
            offset = start + length
        }
        return nil
    }
}
