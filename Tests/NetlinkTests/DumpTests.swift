import CMnl
import Netlink
import Testing

@Suite struct DumpTests {
    let request = NetlinkRequest(type: UInt16(RTM_GETROUTE), flags: UInt16(NLM_F_REQUEST | NLM_F_DUMP), sequence: 1).bytes

    func entry(_ fake: FakeTransport, _ request: NetlinkMessage, _ marker: UInt8, interrupted: Bool = false) -> NetlinkMessage {
        let flags = UInt16(NLM_F_MULTI) | (interrupted ? UInt16(NLM_F_DUMP_INTR) : 0)
        return fake.reply(to: request, type: UInt16(RTM_NEWROUTE), flags: flags, payload: [UInt8](repeating: marker, count: 12))
    }

    @Test func collectsAcrossDatagramsUntilDone() throws {
        let fake = FakeTransport { messages, _ in [] }
        fake.respond = { messages, _ in
            let request = messages[0]
            return [
                datagram([self.entry(fake, request, 1), self.entry(fake, request, 2)]),
                datagram([self.entry(fake, request, 3), fake.done(to: request)]),
            ]
        }
        let replies = try fake.dump(request)
        #expect(replies.map { $0.payload[0] } == [1, 2, 3])
        #expect(fake.sent.count == 1)
    }

    @Test func skipsRepliesOfOtherSequencesAndPorts() throws {
        let fake = FakeTransport { _, _ in [] }
        fake.respond = { messages, _ in
            let request = messages[0]
            var stale = self.entry(fake, request, 9)
            stale.sequence &-= 1
            var foreign = self.entry(fake, request, 8)
            foreign.portID = 1
            return [datagram([stale, foreign, self.entry(fake, request, 1), fake.done(to: request)])]
        }
        #expect(try fake.dump(request).map { $0.payload[0] } == [1])
    }

    @Test func retriesAnInterruptedDumpWithAFreshSequence() throws {
        let fake = FakeTransport { _, _ in [] }
        fake.respond = { messages, attempt in
            let request = messages[0]
            // The first two attempts are interrupted (flag on a middle message, then only on
            // DONE); the third is clean.
            switch attempt {
            case 0: return [datagram([self.entry(fake, request, 1), self.entry(fake, request, 2, interrupted: true)]),
                            datagram([fake.done(to: request)])]
            case 1: return [datagram([self.entry(fake, request, 1),
                                      fake.done(to: request, flags: UInt16(NLM_F_MULTI | NLM_F_DUMP_INTR))])]
            default: return [datagram([self.entry(fake, request, 7), fake.done(to: request)])]
            }
        }
        let replies = try fake.dump(request)
        #expect(replies.map { $0.payload[0] } == [7])
        #expect(fake.sent.count == 3)
        let sequences = try fake.sent.map { try NetlinkMessage.parse($0)[0].sequence }
        #expect(Set(sequences).count == 3)
    }

    @Test func givesUpAfterMaxAttempts() {
        let fake = FakeTransport { _, _ in [] }
        fake.respond = { messages, _ in
            [datagram([self.entry(fake, messages[0], 1, interrupted: true), fake.done(to: messages[0])])]
        }
        #expect(throws: NetlinkError.self) { try fake.dump(request, maxAttempts: 4) }
        #expect(fake.sent.count == 4)
    }

    @Test func anErrorReplyCarriesErrnoAndExtendedAck() {
        let fake = FakeTransport { _, _ in [] }
        fake.respond = { messages, _ in
            [datagram([fake.ack(to: messages[0], errno: 22, message: "Invalid values in header for route dump request")])]
        }
        do {
            _ = try fake.dump(request)
            Issue.record("dump did not throw")
        } catch {
            #expect(error.errno == 22)
            #expect(error.extendedAck == "Invalid values in header for route dump request")
            #expect(error.description.contains("RTM_GETROUTE dump"))
            #expect(error.description.contains("(EINVAL)"))
        }
    }
}
