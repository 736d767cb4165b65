import CMnl
import Glibc

/// Sends an `NftBatch` to the kernel in one `sendmsg` and matches the kernel's answers to its
/// messages by sequence number.
///
/// nfnetlink handles a batch synchronously inside `sendmsg`: by the time the call returns,
/// every ACK and error is queued on the socket. Each object message asked for an ACK, so each
/// gets exactly one `NLMSG_ERROR`; a refused `BATCH_BEGIN` (wrong subsystem, no permission)
/// gets one for itself and nothing else runs. When any message fails the kernel aborts the
/// whole transaction, and still reports every other error it found.
public enum NftTransaction {
    /// The result of a batch the kernel refused: the first failing message (in batch order)
    /// with its label, errno and extended ack, and every failure seen.
    public struct Failure: Error, Hashable, Sendable, CustomStringConvertible {
        public var first: NetlinkError
        public var all: [NetlinkError]
        /// Index of the first failing message in `NftBatch.messages` (nil: the batch itself).
        public var messageIndex: Int?

        public var description: String {
            all.count > 1 ? "\(first) (and \(all.count - 1) more)" : first.description
        }
    }

    /// Opens a `NETLINK_NETFILTER` socket in the current network namespace, runs the batch and
    /// closes the socket.
    public static func execute(_ batch: NftBatch) throws(NetlinkError) {
        let socket = try openSocket()
        defer { socket.close() }
        try execute(batch, on: socket)
    }

    /// A `NETLINK_NETFILTER` socket for batches, with a receive timeout as a backstop: answers
    /// arrive during `sendmsg`, so waiting seconds means the kernel will send no more.
    public static func openSocket() throws(NetlinkError) -> NetlinkSocket {
        let socket = try NetlinkSocket.netfilter()
        do {
            try socket.setReceiveTimeout(milliseconds: 5000)
        } catch {
            socket.close()
            throw error
        }
        return socket
    }

    /// Runs the batch on `transport`; throws the first error (in batch order) the kernel gave,
    /// labelled with the message that caused it. For a check-only batch, success means the
    /// kernel accepted every message (and then aborted, as asked).
    public static func execute(_ batch: NftBatch, on transport: some NetlinkTransport) throws(NetlinkError) {
        if let failure = try run(batch, on: transport) { throw failure.first }
    }

    /// Runs the batch and returns all failures instead of throwing the first; nil on success.
    /// Throws only when the batch could not be sent or the answers could not be read.
    public static func run(_ batch: NftBatch, on transport: some NetlinkTransport) throws(NetlinkError) -> Failure? {
        let count = batch.messageCount
        var base = transport.nextSequence()
        for _ in 1..<max(count, 1) { _ = transport.nextSequence() }
        // Sequence 0 means "not a reply to anything" to some tools; skip it on wrap-around.
        if base == 0 || base &+ UInt32(count) < base { base = 1 }
        let stamped = batch.renumbered(from: base)
        let beginSequence = base
        var pending = Set(stamped.messages.map(\.sequence))
        var errors: [UInt32: NetlinkError] = [:]
        try transport.send(stamped.bytes)
        receiving: while !pending.isEmpty {
            let datagram: [UInt8]
            do {
                datagram = try transport.receive()
            } catch {
                // The kernel stops answering after a fatal error (ENOMEM) mid-batch; the errors
                // already read say what failed, and the transaction was aborted.
                if !errors.isEmpty { break receiving }
                throw NetlinkError(
                    .receive, errno: error.errno, detail: "no answer for \(pending.count) of \(stamped.messages.count) nf_tables messages"
                )
            }
            for message in try NetlinkMessage.parse(datagram) {
                guard message.portID == transport.portID, message.isError else { continue }
                let ack = try NetlinkAck(error: message)
                if message.sequence == beginSequence {
                    // The batch as a whole was refused; nothing in it ran.
                    if let error = ack.error(request: "NFNL_MSG_BATCH_BEGIN") {
                        return Failure(first: error, all: [error], messageIndex: nil)
                    }
                    continue
                }
                guard pending.remove(message.sequence) != nil else { continue }
                let label = stamped.label(of: message.sequence) ?? "nf_tables message"
                if let error = ack.error(request: label) { errors[message.sequence] = error }
                if pending.isEmpty { break receiving }
            }
        }
        guard !errors.isEmpty else { return nil }
        let ordered = stamped.messages.enumerated().compactMap { index, message in
            errors[message.sequence].map { (index, $0) }
        }
        guard let (index, first) = ordered.first else { return nil }
        return Failure(first: first, all: ordered.map(\.1), messageIndex: index)
    }
}
