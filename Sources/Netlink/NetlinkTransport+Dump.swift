import CMnl
import Glibc

extension NetlinkTransport {
    /// Runs one dump request (`NLM_F_DUMP`) and returns every reply message up to `NLMSG_DONE`.
    ///
    /// The request's sequence number is replaced with a fresh one per attempt, and only replies
    /// carrying that sequence and our port id are taken, so leftovers of an earlier request are
    /// skipped. When any message of the dump carries `NLM_F_DUMP_INTR` (the table changed while
    /// the kernel walked it), the dump is read to its end, discarded and repeated, up to
    /// `maxAttempts` times.
    /// - Parameters:
    ///   - request: one complete request message.
    ///   - label: names the request in errors (default: its message type).
    public func dump(_ request: [UInt8], label: String? = nil, maxAttempts: Int = 10) throws(NetlinkError) -> [NetlinkMessage] {
        guard request.count >= NetlinkMessage.headerLength,
              Int(request.loadUInt32(at: 0)) == request.count
        else { throw NetlinkError(.send, errno: EINVAL, detail: "dump request is not one netlink message") }
        let name = label ?? NetlinkMessageType.name(request.loadUInt16(at: 4)) + " dump"
        var request = request
        for _ in 0..<max(1, maxAttempts) {
            let sequence = nextSequence()
            request.storeUInt32(sequence, at: 8)
            try send(request)
            var collected: [NetlinkMessage] = []
            var interrupted = false
            var done = false
            while !done {
                for message in try NetlinkMessage.parse(try receive()) {
                    guard message.sequence == sequence, message.portID == portID else { continue }
                    if message.isDumpInterrupted { interrupted = true }
                    if message.isError {
                        let ack = try NetlinkAck(error: message)
                        if let error = ack.error(request: name) { throw error }
                        continue  // an ACK asked for with NLM_F_ACK
                    }
                    if message.isDone {
                        if let error = try NetlinkAck(done: message).error(request: name) { throw error }
                        done = true
                        break
                    }
                    collected.append(message)
                }
            }
            if !interrupted { return collected }
        }
        throw NetlinkError(.request(name), errno: EINTR, detail: "dump interrupted \(maxAttempts) times in a row")
    }
}
