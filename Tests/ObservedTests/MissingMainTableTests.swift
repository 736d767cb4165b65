import CMnl
import Glibc
import NetState
import Netlink
@testable import Observed
import Testing

/// A kernel without a main table (a fresh namespace) answers the filtered route dump, and
/// possibly a route lookup, with ENOENT: an empty table and "not on-link", nothing else.
@Suite struct MissingMainTableTests {
    /// Answers every request with an `NLMSG_ERROR` carrying `errno`.
    final class RefusingTransport: NetlinkTransport {
        let portID: UInt32 = 77
        let errno: Int32
        private var sequence: UInt32 = 10
        private var queue: [[UInt8]] = []

        init(errno: Int32) { self.errno = errno }

        func nextSequence() -> UInt32 {
            sequence += 1
            return sequence
        }

        func send(_ bytes: [UInt8]) throws(NetlinkError) {
            let replies = try NetlinkMessage.parse(bytes).map { request in
                var payload: [UInt8] = []
                withUnsafeBytes(of: -errno) { payload += $0 }
                payload += NetlinkMessage(type: request.type, flags: request.flags, sequence: request.sequence, portID: portID, payload: []).bytes
                return NetlinkMessage(type: UInt16(NLMSG_ERROR), flags: UInt16(NLM_F_CAPPED), sequence: request.sequence, portID: portID, payload: payload)
            }
            queue.append(replies.flatMap(\.bytes))
        }

        func receive() throws(NetlinkError) -> [UInt8] {
            guard !queue.isEmpty else { throw NetlinkError(.receive, errno: EAGAIN, detail: "nothing queued") }
            return queue.removeFirst()
        }
    }

    @Test func enoentOnTheMainTableDumpIsAnEmptyTable() throws {
        #expect(try Observer.mainTableRoutes(using: RefusingTransport(errno: ENOENT)).isEmpty)
    }

    @Test func otherErrorsOnTheDumpStayErrors() {
        #expect(throws: NetlinkError.self) { try Observer.mainTableRoutes(using: RefusingTransport(errno: EPERM)) }
    }

    @Test func enoentOnALookupIsNotOnLink() throws {
        let peer = IPAddress.v4(IPv4Address(172, 22, 0, 12))
        #expect(try Observer.lookUp([peer], using: RefusingTransport(errno: ENOENT)) == [peer: false])
        #expect(throws: NetlinkError.self) { try Observer.lookUp([peer], using: RefusingTransport(errno: EPERM)) }
    }

    /// A kernel without IPv6 (`ipv6.disable=1`) refuses `AF_INET6` dumps: no IPv6 objects, not
    /// an error; the same refusal of an IPv4 dump stays one.
    @Test func aKernelWithoutIPv6HasNoIPv6Objects() throws {
        let refusing = RefusingTransport(errno: EAFNOSUPPORT)
        #expect(try Observer.mainTableRoutes(family: .inet6, using: refusing).isEmpty)
        #expect(try Observer.familyDump(DumpRequests.addresses(family: .inet6), family: .inet6, using: refusing).isEmpty)
        #expect(throws: NetlinkError.self) { try Observer.mainTableRoutes(family: .inet, using: RefusingTransport(errno: EAFNOSUPPORT)) }
        #expect(try Observer.mainTableRoutes(family: .inet6, using: RefusingTransport(errno: ENOENT)).isEmpty)
        let peer = IPAddress.v6(IPv6Address(0xfd00, 0x22, 0, 0, 0, 0, 0, 0x12))
        #expect(try Observer.lookUp([peer], using: RefusingTransport(errno: EAFNOSUPPORT)) == [peer: false])
    }
}
