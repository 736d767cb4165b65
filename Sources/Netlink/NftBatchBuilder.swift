import CMnl
import CNftnl

/// Builds an `NftBatch`: `BATCH_BEGIN`, object messages written by libnftnl from the owning
/// objects, `BATCH_END`. Each object message asks for an ACK and is recorded with its label
/// and offset, which map a kernel error back to it.
public struct NftBatchBuilder {
    /// Larger than any message this tool builds (a rule of a few dozen expressions is < 1 KiB).
    static let scratchSize = 64 * 1024

    private var bytes: [UInt8] = []
    private var messages: [NftBatch.Message] = []
    private var sequence: UInt32
    private var scratch = [UInt8](repeating: 0, count: scratchSize)

    /// - Parameter firstSequence: the sequence number of `BATCH_BEGIN`; the rest count up.
    public init(firstSequence: UInt32) {
        sequence = firstSequence
    }

    /// `NFNL_MSG_BATCH_BEGIN` for the nf_tables subsystem. With `generation`
    /// (`NFNL_BATCH_GENID`, as iptables-nft sends it), the kernel runs the batch only if the
    /// ruleset is still at that generation, and answers the begin with `ERESTART` otherwise.
    public mutating func begin(generation: UInt32? = nil) {
        append { buffer, sequence in
            guard let header = nftnl_batch_begin(buffer, sequence) else { return nil }
            if let generation {
                mnl_attr_put_u32(header, UInt16(NFNL_BATCH_GENID.rawValue), generation.bigEndian)
            }
            return header
        }
    }

    /// `NFNL_MSG_BATCH_END`: without it the kernel validates the batch and aborts it.
    public mutating func end() {
        append { buffer, sequence in nftnl_batch_end(buffer, sequence) }
    }

    /// `NFT_MSG_NEWTABLE` (`NLM_F_CREATE`): creates the table, or leaves an existing one as
    /// it is but for the attributes set.
    public mutating func newTable(_ table: NftTableObject, label: String) {
        message(label, NFT_MSG_NEWTABLE, family: table.family, flags: NLM_F_CREATE | NLM_F_ACK, table.buildPayload)
    }

    /// `NFT_MSG_DELTABLE`: removes the table with its chains and rules.
    public mutating func deleteTable(_ table: NftTableObject, label: String) {
        message(label, NFT_MSG_DELTABLE, family: table.family, flags: NLM_F_ACK, table.buildPayload)
    }

    /// `NFT_MSG_NEWCHAIN` (`NLM_F_CREATE`).
    public mutating func newChain(_ chain: NftChainObject, label: String) {
        message(label, NFT_MSG_NEWCHAIN, family: chain.family, flags: NLM_F_CREATE | NLM_F_ACK, chain.buildPayload)
    }

    /// `NFT_MSG_NEWRULE` (`NLM_F_CREATE | NLM_F_APPEND`): the rule goes at the end of its chain.
    public mutating func appendRule(_ rule: NftRuleObject, label: String) {
        message(label, NFT_MSG_NEWRULE, family: rule.family, flags: NLM_F_CREATE | NLM_F_APPEND | NLM_F_ACK, rule.buildPayload)
    }

    /// `NFT_MSG_DELRULE` of the rule its handle names.
    public mutating func deleteRule(_ rule: NftRuleObject, label: String) {
        message(label, NFT_MSG_DELRULE, family: rule.family, flags: NLM_F_ACK, rule.buildPayload)
    }

    /// `NFT_MSG_DELCHAIN`: the chain, which nothing may refer to any more.
    public mutating func deleteChain(_ chain: NftChainObject, label: String) {
        message(label, NFT_MSG_DELCHAIN, family: chain.family, flags: NLM_F_ACK, chain.buildPayload)
    }

    public func batch(commits: Bool) -> NftBatch {
        NftBatch(bytes: bytes, messages: messages, commits: commits)
    }

    private mutating func message(
        _ label: String, _ type: nf_tables_msg_types, family: UInt8, flags: Int32,
        _ payload: (UnsafeMutablePointer<nlmsghdr>) -> Void
    ) {
        let offset = bytes.count
        let used = sequence
        append { buffer, sequence in
            let header = nftnl_nlmsg_build_hdr(buffer, UInt16(type.rawValue), UInt16(family), UInt16(flags), sequence)
            if let header { payload(header) }
            return header
        }
        messages.append(NftBatch.Message(sequence: used, label: label, offset: offset))
    }

    private mutating func append(_ build: (UnsafeMutablePointer<CChar>, UInt32) -> UnsafeMutablePointer<nlmsghdr>?) {
        let current = sequence
        let length = scratch.withUnsafeMutableBytes { raw -> Int in
            guard let base = raw.baseAddress else { return 0 }
            guard let header = build(base.assumingMemoryBound(to: CChar.self), current) else { return 0 }
            return Int(header.pointee.nlmsg_len)
        }
        let padded = (length + 3) & ~3
        let used = min(padded, scratch.count)
        bytes += scratch[0..<used]
        // libmnl zeroes headers and attribute padding it writes; clearing what was used keeps
        // the next message free of stale bytes all the same.
        for index in 0..<used { scratch[index] = 0 }
        sequence &+= 1
    }
}
