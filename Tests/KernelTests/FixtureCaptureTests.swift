import CMnl
import Foundation
import Netlink
import Observed
import Testing
import TestSupport

/// Re-records the fixtures from a real kernel: `CAPTURE_FIXTURES=1 swift test --filter
/// FixtureCaptureTests` as root. Builds `FlannelScenario` in a throwaway namespace, enters it
/// with `NetworkNamespace.run` (setns on a fresh thread) and stores every reply message.
/// Like a golden re-record it then fails, so a capture never passes unnoticed.
@Suite struct FixtureCaptureTests {
    static let enabled = isRoot && ProcessInfo.processInfo.environment["CAPTURE_FIXTURES"] == "1"

    @Test(.enabled(if: enabled)) func captureFromKernel() throws {
        let namespace = try TestNamespace(tag: "capture")
        defer { namespace.delete() }
        try namespace.setUp(FlannelScenario.setup)
        let vxlanIndex = try #require(UInt32(
            namespace.ip("-o", "link", "show", "flannel.1").split(separator: ":").first ?? ""
        ))

        let captured = try NetworkNamespace.run(in: namespace.name) { () throws -> [(String, [NetlinkMessage])] in
            let socket = try NetlinkSocket(protocol: NETLINK_ROUTE)
            defer { socket.close() }
            let lookups = try socket.transact(FlannelScenario.peers.map { DumpRequests.lookup($0) })
            return [
                ("links.hex", try socket.dump(DumpRequests.links())),
                ("addresses.hex", try socket.dump(DumpRequests.addresses())),
                ("routes.hex", try socket.dump(DumpRequests.routes(table: .main))),
                ("neighbors.hex", try socket.dump(DumpRequests.neighbors(index: vxlanIndex))),
                ("fdb.hex", try socket.dump(DumpRequests.fdb(index: vxlanIndex))),
                ("lookups.hex", try lookups.flatMap { try $0.get() }),
            ]
        }
        for (name, messages) in captured {
            let text = "# Captured from Linux \(kernelRelease()) in a namespace set up as FlannelScenario.setup.\n\n"
                + HexFixture.render(messages) { describe($0, file: name) }
            try text.write(to: HexFixture.url(name), atomically: true, encoding: .utf8)
        }
        Issue.record("fixtures re-captured into \(HexFixture.directory.path); review the diff and commit")
    }

    private func describe(_ message: NetlinkMessage, file: String) -> String {
        switch file {
        case "links.hex": return (try? LinkMessage(decoding: message)).map { "link \($0.index) \($0.name) kind \($0.kind ?? "-")" } ?? "?"
        case "addresses.hex": return (try? AddressMessage(decoding: message)).map { "addr \($0.address.map(\.description) ?? "-") ifindex \($0.index)" } ?? "?"
        case "routes.hex", "lookups.hex":
            return (try? RouteMessage(decoding: message)).map {
                "route \($0.destination) gw \($0.gateway.map(\.description) ?? "-") oif \($0.outputIndex.map(String.init) ?? "-") table \($0.table)"
            } ?? "?"
        default:
            return (try? NeighborMessage(decoding: message)).map {
                "neigh family \($0.family) ifindex \($0.index) dst \($0.destination.map(\.description) ?? "-") lladdr \($0.lladdr.map(\.description) ?? "-") \($0.state)"
            } ?? "?"
        }
    }

    private func kernelRelease() -> String {
        var name = utsname()
        uname(&name)
        return withUnsafeBytes(of: name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}
