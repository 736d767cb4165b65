import CNftnl
import Netlink

/// Builds the wire bytes of one nf_tables message with libnftnl into a scratch buffer and
/// appends them to a batch, recording the label and offset that map a kernel error back to it.
struct NftMessageWriter {
    /// Larger than any message this tool builds (a rule of a few dozen expressions is < 1 KiB).
    static let scratchSize = 64 * 1024

    private(set) var bytes: [UInt8] = []
    private(set) var messages: [NftBatch.Message] = []
    private var sequence: UInt32
    private var scratch = [UInt8](repeating: 0, count: scratchSize)

    init(firstSequence: UInt32) {
        sequence = firstSequence
    }

    /// `NFNL_MSG_BATCH_BEGIN` for the nf_tables subsystem.
    mutating func begin() {
        append { buffer, sequence in nftnl_batch_begin(buffer, sequence) }
    }

    mutating func end() {
        append { buffer, sequence in nftnl_batch_end(buffer, sequence) }
    }

    /// One object message: `build` writes header and payload for the given sequence number.
    mutating func message(
        _ label: String, _ build: (UnsafeMutablePointer<CChar>, UInt32) -> UnsafeMutablePointer<nlmsghdr>?
    ) {
        let offset = bytes.count
        let used = sequence
        append(build)
        messages.append(NftBatch.Message(sequence: used, label: label, offset: offset))
    }

    func batch(commits: Bool) -> NftBatch {
        NftBatch(bytes: bytes, messages: messages, commits: commits)
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
