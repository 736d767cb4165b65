import Foundation
import NetState
@testable import NetplanCLI
import Observed
import StateJSON
import Testing

/// Snapshot files as `observe --snapshot-out` writes them and `plan --observed` reads them.
@Suite struct SnapshotFileTests {
    static let state = NetworkState(
        vxlan: VxlanLink(name: "flannel.1", vni: 1, local: .v4(IPv4Address(172, 22, 0, 239)), underlay: "eth0", mtu: 1450, mac: nil),
        routes: [
            Route(key: .init(destination: IPv4Prefix(address: IPv4Address(10, 244, 1, 0), length: 24)), gateway: .v4(IPv4Address(10, 244, 1, 0)), device: "flannel.1", onLink: true),
        ]
    )
    static let facts = LinkFacts(underlay: "eth0", routeLookups: [.v4(IPv4Address(172, 22, 1, 176)): true])

    func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("npf-snapshot-\(getpid())-\(name).json").path
    }

    @Test func roundTripsThroughAFile() throws {
        let path = temporaryPath("roundtrip")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let snapshot = Snapshot(state: Self.state, facts: Self.facts)
        try snapshot.save(path: path)
        let loaded = try Snapshot.load(path: path)
        #expect(loaded == snapshot)
        #expect(loaded.node == ObservedNode(state: Self.state, facts: Self.facts))
    }

    @Test func jsonIsStableSortedAndVersioned() throws {
        let snapshot = Snapshot(state: Self.state, facts: Self.facts)
        let text = String(decoding: snapshot.encodedBytes(), as: UTF8.self)
        // Stable: the same snapshot built again, its objects inserted in another order, is the same text.
        let rebuilt = Snapshot(
            state: NetworkState(vxlan: Self.state.vxlan, routes: Self.state.sortedRoutes.reversed()), facts: Self.facts
        )
        #expect(text == String(decoding: rebuilt.encodedBytes(), as: UTF8.self))
        #expect(text.hasPrefix("{\n  \"facts\" : {"))
        #expect(text.contains("\"version\" : 1"))
        #expect(text.contains("\"destination\" : \"10.244.1.0/24\""))
        let facts = try #require(text.range(of: "\"facts\""))
        let state = try #require(text.range(of: "\"state\""))
        #expect(facts.lowerBound < state.lowerBound)
    }

    @Test func fileRoundTripKeepsTheTrailingNewline() throws {
        let path = temporaryPath("newline")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let snapshot = Snapshot(state: Self.state, facts: Self.facts)
        try snapshot.save(path: path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(Array(bytes) == snapshot.encodedBytes() + [0x0a])
        #expect(try Snapshot.load(path: path) == snapshot)
    }

    @Test func aWrongVersionIsRefusedByName() throws {
        let data = Data(#"{"version": 2, "state": {}, "facts": {"underlay": "eth0"}}"#.utf8)
        do {
            _ = try Snapshot.decode(data, path: "old.json")
            Issue.record("version 2 accepted")
        } catch {
            #expect(error.description == "snapshot old.json: version 2 is not supported (this build reads version 1)")
        }
    }

    @Test func malformedContentNamesTheField() throws {
        let data = Data(#"{"version": 1, "state": {"routes": [{"key": {"table": "main", "destination": "10.244.1.7/24", "tos": 0, "metric": 0}}]}, "facts": {"underlay": "eth0"}}"#.utf8)
        do {
            _ = try Snapshot.decode(data, path: "bad.json")
            Issue.record("malformed snapshot accepted")
        } catch {
            #expect(error.description.hasPrefix("snapshot bad.json: "))
            #expect(error.description.contains("10.244.1.7/24"))
        }
        #expect(throws: Snapshot.Failure.self) { try Snapshot.load(path: temporaryPath("missing")) }
    }
}
