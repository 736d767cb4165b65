import CNftnl

/// The comment TLV nft stores in an object's userdata (`NFTNA_*_USERDATA`): type, length, and
/// the text with its terminating NUL (`nftnl_udata_put_strz`), as nft itself writes it, so
/// `nft list` shows comments we set.
enum NftUserData {
    /// nft's `NFT_USERDATA_MAXLEN`.
    static let maximumLength: UInt32 = 256

    /// The userdata bytes holding `comment` under `type`; nil when the comment does not fit
    /// (a TLV length is one byte, and nft caps userdata at 256 bytes).
    static func comment(_ comment: String, type: UInt8) -> [UInt8]? {
        guard comment.utf8.count < 255, let buffer = nftnl_udata_buf_alloc(maximumLength) else { return nil }
        defer { nftnl_udata_buf_free(buffer) }
        guard nftnl_udata_put_strz(buffer, type, comment), let data = nftnl_udata_buf_data(buffer) else { return nil }
        return Array(UnsafeRawBufferPointer(start: data, count: Int(nftnl_udata_buf_len(buffer))))
    }
}
