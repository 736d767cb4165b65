/// One nf_tables transaction in wire form: `NFNL_MSG_BATCH_BEGIN`, the object messages, and
/// (unless it only checks) `NFNL_MSG_BATCH_END`, all sent in one `sendmsg` so the kernel commits
/// them together or not at all.
///
/// Each object message is labelled, so an error the kernel reports against a sequence number
/// can be told back as "the third rule of chain postrtg", not as a number.
public struct NftBatch: Hashable, Sendable {
    /// One object message of the batch.
    public struct Message: Hashable, Sendable {
        public var sequence: UInt32
        /// What the message does, e.g. `NFT_MSG_NEWRULE ip flannel-ipv4 postrtg rule 3: ip saddr ...`.
        public var label: String
        /// Where the message starts in `bytes`.
        public var offset: Int

        public init(sequence: UInt32, label: String, offset: Int) {
            self.sequence = sequence
            self.label = label
            self.offset = offset
        }
    }

    /// The whole datagram: begin, messages, end.
    public var bytes: [UInt8]
    /// The object messages (not begin/end), in order.
    public var messages: [Message]
    /// False for a check-only batch (no `BATCH_END`): the kernel validates everything, reports
    /// errors and ACKs, then aborts, which is how `nft -c` checks a ruleset.
    public var commits: Bool

    public init(bytes: [UInt8], messages: [Message], commits: Bool) {
        self.bytes = bytes
        self.messages = messages
        self.commits = commits
    }

    /// The label of the message with this sequence number.
    public func label(of sequence: UInt32) -> String? {
        messages.first { $0.sequence == sequence }?.label
    }

    /// The same batch with sequence numbers `first, first + 1, …` in wire order (begin included),
    /// so a batch encoded once with stable numbers can be sent on any socket.
    public func renumbered(from first: UInt32) -> NftBatch {
        var copy = self
        var sequenceByOffset: [Int: UInt32] = [:]
        var offset = 0
        var next = first
        while bytes.count - offset >= NetlinkMessage.headerLength {
            let length = Int(bytes.loadUInt32(at: offset))
            guard length >= NetlinkMessage.headerLength else { break }
            copy.bytes.storeUInt32(next, at: offset + 8)
            sequenceByOffset[offset] = next
            next &+= 1
            offset += (length + 3) & ~3
        }
        for index in copy.messages.indices {
            if let sequence = sequenceByOffset[copy.messages[index].offset] {
                copy.messages[index].sequence = sequence
            }
        }
        return copy
    }

    /// How many netlink messages (begin and end included) the batch holds.
    public var messageCount: Int {
        var count = 0
        var offset = 0
        while bytes.count - offset >= NetlinkMessage.headerLength {
            let length = Int(bytes.loadUInt32(at: offset))
            guard length >= NetlinkMessage.headerLength else { break }
            count += 1
            offset += (length + 3) & ~3
        }
        return count
    }
}
