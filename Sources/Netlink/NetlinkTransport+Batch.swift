import CMnl
import Glibc

extension NetlinkTransport {
    /// Sends many requests, packed into few `sendmsg` calls, and matches every reply to its
    /// request by sequence number.
    ///
    /// Each request is stamped with a fresh sequence number and `NLM_F_ACK`, so every request
    /// ends with exactly one `NLMSG_ERROR` (an ACK when it succeeded). Requests go out in chunks
    /// of at most `maxChunkBytes` / `maxChunkMessages`, and all replies of a chunk are read
    /// before the next is sent: the receive queue never holds more than one chunk's replies, so
    /// a batch larger than the socket buffers loses nothing. The chunk's message count is also
    /// bounded by the receive buffer: the kernel charges each reply's whole buffer (about 1 KiB
    /// for an ACK, 1–2 KiB for a lookup answer, measured on 6.18), so at most
    /// `receiveBufferBytes / replyBudgetBytes` requests are in flight.
    ///
    /// The kernel handles each message of a chunk on its own, so one failure does not stop the
    /// others. If sending or receiving itself fails, the affected requests and all that were not
    /// sent yet get that error, and everything answered before is still reported: a caller can
    /// say exactly what was applied.
    ///
    /// With `acknowledgeEach` false, only the last request of each chunk asks for an ACK. The
    /// kernel still answers every failed request with its `NLMSG_ERROR` (it acknowledges when
    /// asked *or* when a request fails), and it runs the messages of a datagram in order and
    /// queues their answers in order, so once the last request's answer is in, every request
    /// of the chunk without an error has succeeded: the accounting stays exact with a tenth of
    /// the replies to build, queue and read (an ACK costs the kernel an skb of about 1 KiB).
    /// Use it for changes, whose only answer is the ACK; not for requests that return data.
    /// - Parameters:
    ///   - requests: complete request messages, one per element.
    ///   - labels: names for errors, by index (e.g. `"RTM_NEWROUTE 10.244.1.0/24"`); missing
    ///     ones default to the message type.
    ///   - labelOf: names for errors, computed only for the requests that need one (it wins
    ///     over `labels`): a large batch need not render thousands of names that no error uses.
    /// - Returns: per request, the reply messages before its ACK (a `RTM_GETROUTE` answer; empty
    ///   for a plain change), or the kernel's error with its extended ack.
    /// - Throws: only when a request is not a single well-formed netlink message (nothing is
    ///   sent then).
    public func transact(
        _ requests: [[UInt8]], labels: [String] = [], maxChunkBytes: Int = 64 * 1024, maxChunkMessages: Int = 1024,
        replyBudgetBytes: Int = 4096, acknowledgeEach: Bool = true, labelOf: ((Int) -> String)? = nil
    ) throws(NetlinkError) -> [Result<[NetlinkMessage], NetlinkError>] {
        let maxChunkMessages = receiveBufferBytes.map { min(maxChunkMessages, max(8, $0 / max(1, replyBudgetBytes))) }
            ?? maxChunkMessages
        var stamped = requests
        var indexBySequence: [UInt32: Int] = [:]
        indexBySequence.reserveCapacity(requests.count)
        for index in stamped.indices {
            guard stamped[index].count >= NetlinkMessage.headerLength,
                  Int(stamped[index].loadUInt32(at: 0)) == stamped[index].count
            else {
                throw NetlinkError(.send, errno: EINVAL, detail: "request \(index) is not one netlink message")
            }
            let sequence = nextSequence()
            stamped[index].storeUInt32(sequence, at: 8)
            let flags = stamped[index].loadUInt16(at: 6) | UInt16(NLM_F_ACK)
            Swift.withUnsafeBytes(of: flags) { bytes in
                stamped[index][6] = bytes[0]
                stamped[index][7] = bytes[1]
            }
            indexBySequence[sequence] = index
        }
        func label(_ index: Int) -> String {
            if let labelOf { return labelOf(index) }
            return index < labels.count ? labels[index] : NetlinkMessageType.name(stamped[index].loadUInt16(at: 4))
        }

        var results = [Result<[NetlinkMessage], NetlinkError>?](repeating: nil, count: requests.count)
        var replies = [[NetlinkMessage]](repeating: [], count: requests.count)
        var next = 0
        while next < stamped.count {
            var chunk: [UInt8] = []
            chunk.reserveCapacity(min(maxChunkBytes, 1 << 20))
            var pending = 0
            let first = next
            while next < stamped.count, pending < maxChunkMessages,
                  pending == 0 || chunk.count + stamped[next].count <= maxChunkBytes {
                chunk += stamped[next]
                if !acknowledgeEach {
                    // Cleared on every request; set again on the chunk's last one below.
                    setAcknowledge(false, inMessageAt: chunk.count - stamped[next].count, of: &chunk)
                }
                while chunk.count % 4 != 0 { chunk.append(0) }
                pending += 1
                next += 1
            }
            let barrier = stamped[next - 1].loadUInt32(at: 8)
            if !acknowledgeEach {
                setAcknowledge(true, inMessageAt: chunk.count - ((stamped[next - 1].count + 3) & ~3), of: &chunk)
            }
            do {
                try send(chunk)
            } catch {
                for index in first..<stamped.count {
                    results[index] = .failure(NetlinkError(
                        .request(label(index)), errno: error.errno, detail: index == first ? "send failed" : "not sent"
                    ))
                }
                return results.map { $0 ?? .failure(NetlinkError(.request("unreachable"))) }
            }
            let range = first..<next
            do {
                var barrierAnswered = false
                while acknowledgeEach ? pending > 0 : !barrierAnswered {
                    for message in try NetlinkMessage.parse(try receive()) {
                        guard message.portID == portID, let index = indexBySequence[message.sequence],
                              range.contains(index), results[index] == nil
                        else { continue }
                        if message.isError {
                            let ack = try NetlinkAck(error: message)
                            if let error = ack.error(request: label(index)) {
                                results[index] = .failure(error)
                            } else {
                                results[index] = .success(replies[index])
                            }
                            pending -= 1
                            if message.sequence == barrier { barrierAnswered = true }
                        } else if !message.isDone {
                            replies[index].append(message)
                        }
                    }
                }
                if !acknowledgeEach {
                    // The barrier's answer came after every other answer of the chunk: the
                    // requests without an error succeeded.
                    for index in range where results[index] == nil { results[index] = .success(replies[index]) }
                }
            } catch {
                for index in range where results[index] == nil {
                    results[index] = .failure(NetlinkError(
                        .request(label(index)), errno: error.errno, sequence: stamped[index].loadUInt32(at: 8),
                        detail: "reply lost: \(error)"
                    ))
                }
                for index in next..<stamped.count {
                    results[index] = .failure(NetlinkError(.request(label(index)), detail: "not sent after an earlier receive failure"))
                }
                return results.map { $0 ?? .failure(NetlinkError(.request("unreachable"))) }
            }
        }
        return results.map { $0 ?? .failure(NetlinkError(.request("unreachable"))) }
    }

    /// Sets or clears `NLM_F_ACK` in the header of the message starting at `start`.
    private func setAcknowledge(_ on: Bool, inMessageAt start: Int, of bytes: inout [UInt8]) {
        let old = bytes.loadUInt16(at: start + 6)
        let flags = on ? old | UInt16(NLM_F_ACK) : old & ~UInt16(NLM_F_ACK)
        Swift.withUnsafeBytes(of: flags) { raw in
            bytes[start + 6] = raw[0]
            bytes[start + 7] = raw[1]
        }
    }

    /// `transact` for requests whose only answer is an ACK (changes: new/replace/delete).
    /// `acknowledgeEach` false: an ACK only for the last request of each chunk, errors still
    /// for every request that fails (see `transact`).
    public func execute(
        _ requests: [[UInt8]], labels: [String] = [], maxChunkBytes: Int = 64 * 1024, maxChunkMessages: Int = 1024,
        acknowledgeEach: Bool = true, labelOf: ((Int) -> String)? = nil
    ) throws(NetlinkError) -> [Result<Void, NetlinkError>] {
        try transact(
            requests, labels: labels, maxChunkBytes: maxChunkBytes, maxChunkMessages: maxChunkMessages,
            acknowledgeEach: acknowledgeEach, labelOf: labelOf
        ).map { $0.map { _ in () } }
    }
}
