import CNftnl

/// nf_tables request messages (pure bytes; the transport stamps sequence numbers).
enum NftRequest {
    /// A dump request (`NLM_F_DUMP`) of one object type for one family (`NFPROTO_UNSPEC`: all).
    static func dump(_ type: nf_tables_msg_types, family: UInt8) -> [UInt8] {
        build(type, family: family, flags: UInt16(NLM_F_DUMP))
    }

    /// `NFT_MSG_GETGEN`: asks for the ruleset generation id.
    static func getGeneration() -> [UInt8] {
        build(NFT_MSG_GETGEN, family: UInt8(NFPROTO_UNSPEC), flags: 0)
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
