import CMnl
import Netlink
import Testing

/// `execute(acknowledgeEach: false)`: only the last request of a chunk asks for an ACK, as the
/// kernel answers failures anyway; successes are inferred once the barrier's answer is in.
@Suite struct BatchBarrierTests {
    func requests(_ count: Int) -> [[UInt8]] {
        (0..<count).map { index in
            var request = NetlinkRequest(type: UInt16(RTM_NEWROUTE), flags: UInt16(NLM_F_REQUEST), sequence: 0)
            request.putBytes(1, [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: 40))
            return request.bytes
        }
    }

    /// A kernel that answers as Linux does: an error for every failed request, an ACK only when
    /// asked for, in order, one datagram per answer.
    func kernel(failing: Set<Int>) -> FakeTransport {
        let fake = FakeTransport { _, _ in [] }
        fake.respond = { messages, _ in
            messages.compactMap { message in
                let number = Int(message.payload[4])
                if failing.contains(number) { return datagram([fake.ack(to: message, errno: 17, message: "exists")]) }
                return message.flags & UInt16(NLM_F_ACK) != 0 ? datagram([fake.ack(to: message)]) : nil
            }
        }
        return fake
    }

    @Test func onlyEachChunksLastRequestAsksForAnAck() throws {
        let fake = kernel(failing: [])
        let results = try fake.execute(requests(10), maxChunkMessages: 4, acknowledgeEach: false)
        #expect(results.count == 10)
        #expect(results.allSatisfy { (try? $0.get()) != nil })
        let chunks = try fake.sent.map { try NetlinkMessage.parse($0) }
        #expect(chunks.map(\.count) == [4, 4, 2])
        for chunk in chunks {
            #expect(chunk.dropLast().allSatisfy { $0.flags & UInt16(NLM_F_ACK) == 0 })
            #expect(chunk.last.map { $0.flags & UInt16(NLM_F_ACK) != 0 } == true)
        }
    }

    @Test func failuresAreMatchedAndTheRestSucceed() throws {
        // 3 fails inside a chunk, 7 is a chunk's barrier and fails too.
        let fake = kernel(failing: [3, 7])
        let results = try fake.execute(requests(10), labels: (0..<10).map { "r\($0)" }, maxChunkMessages: 4, acknowledgeEach: false)
        for (index, result) in results.enumerated() {
            switch result {
            case .success: #expect(![3, 7].contains(index))
            case .failure(let error):
                #expect([3, 7].contains(index))
                #expect(error.errno == 17)
                #expect(error.operation == .request("r\(index)"))
            }
        }
    }

    @Test func aMissingBarrierFailsTheChunkInsteadOfGuessing() throws {
        let fake = FakeTransport { _, _ in [] }
        fake.respond = { _, _ in [] }  // nothing comes back: receive fails
        let results = try fake.execute(requests(3), acknowledgeEach: false)
        #expect(results.allSatisfy { (try? $0.get()) == nil })
    }
}
