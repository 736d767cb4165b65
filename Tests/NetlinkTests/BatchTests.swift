import CMnl
import Netlink
import Testing

@Suite struct BatchTests {
    func requests(_ count: Int, payload: Int = 40) -> [[UInt8]] {
        (0..<count).map { index in
            var request = NetlinkRequest(type: UInt16(RTM_NEWROUTE), flags: UInt16(NLM_F_REQUEST), sequence: 0)
            request.putBytes(1, [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: payload))
            return request.bytes
        }
    }

    @Test func matchesAcksAndErrorsBySequenceEvenOutOfOrder() throws {
        let fake = FakeTransport { _, _ in [] }
        fake.respond = { messages, _ in
            // Every third request fails; the kernel's replies come back reversed, one per datagram.
            messages.enumerated().reversed().map { index, message in
                #expect(message.flags & UInt16(NLM_F_ACK) != 0)
                let number = Int(message.payload[4])
                return datagram([number % 3 == 2 ? fake.ack(to: message, errno: 17, message: "route exists") : fake.ack(to: message)])
            }
        }
        let results = try fake.execute(requests(9), labels: (0..<9).map { "request \($0)" })
        #expect(results.count == 9)
        for (index, result) in results.enumerated() {
            switch result {
            case .success: #expect(index % 3 != 2)
            case .failure(let error):
                #expect(index % 3 == 2)
                #expect(error.errno == 17)
                #expect(error.extendedAck == "route exists")
                #expect(error.operation == .request("request \(index)"))
            }
        }
    }

    @Test func packsManyRequestsPerSendAndDrainsEachChunk() throws {
        var outstandingAtSend: [Int] = []
        var answered = 0
        var requested = 0
        let fake = FakeTransport { _, _ in [] }
        fake.respond = { messages, _ in
            outstandingAtSend.append(requested - answered)
            requested += messages.count
            answered += messages.count
            return messages.map { datagram([fake.ack(to: $0)]) }
        }
        // 3,000 requests of 60 bytes: 1,024 per chunk by count, fewer by the 64 KiB byte limit.
        let results = try fake.execute(requests(3000))
        #expect(results.count == 3000)
        #expect(results.allSatisfy { (try? $0.get()) != nil })
        #expect(fake.sent.count == 3)
        #expect(fake.sent.allSatisfy { $0.count <= 64 * 1024 })
        #expect(outstandingAtSend.allSatisfy { $0 == 0 })
    }

    @Test func repliesBeforeTheAckAreReturned() throws {
        let fake = FakeTransport { _, _ in [] }
        fake.respond = { messages, _ in
            messages.map { request in
                datagram([fake.reply(to: request, type: UInt16(RTM_NEWROUTE), payload: [UInt8](repeating: request.payload[4], count: 12)),
                          fake.ack(to: request)])
            }
        }
        let results = try fake.transact(requests(3))
        #expect(try results.map { try $0.get().map { $0.payload[0] } } == [[0], [1], [2]])
    }

    @Test func aLostReplyFailsItsChunkAndLeavesTheRestUnsent() throws {
        let fake = FakeTransport { _, _ in [] }
        fake.respond = { messages, send in
            // Chunk 0 is answered; in chunk 1 only the first reply arrives, then the queue runs dry
            // (the fake's receive fails as a real socket would after ENOBUFS).
            send == 0 ? messages.map { datagram([fake.ack(to: $0)]) } : [datagram([fake.ack(to: messages[0])])]
        }
        let results = try fake.execute(requests(10), maxChunkMessages: 4)
        #expect(fake.sent.count == 2)
        #expect(results.prefix(5).allSatisfy { (try? $0.get()) != nil })
        for result in results.dropFirst(5) {
            #expect(throws: NetlinkError.self) { try result.get() }
        }
    }

    @Test func malformedRequestsAreRefusedBeforeSending() {
        let fake = FakeTransport { _, _ in [] }
        #expect(throws: NetlinkError.self) { try fake.execute([[1, 2, 3]]) }
        #expect(fake.sent.isEmpty)
    }
}
