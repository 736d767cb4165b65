import Foundation
import NetState
import Observed
import Testing

@Suite struct SnapshotTests {
    func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("npf-snapshot-\(getpid())-\(name).json").path
    }

    @Test func roundTripsThroughAFile() throws {
        let path = temporaryPath("roundtrip")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let snapshot = Snapshot(state: FlannelScenario.state, facts: FlannelScenario.facts)
        try snapshot.save(path: path)
        let loaded = try Snapshot.load(path: path)
        #expect(loaded == snapshot)
        #expect(loaded.node == ObservedNode(state: FlannelScenario.state, facts: FlannelScenario.facts))
    }

    @Test func jsonIsStableSortedAndVersioned() throws {
        let snapshot = Snapshot(state: FlannelScenario.state, facts: FlannelScenario.facts)
        let text = String(decoding: try snapshot.encoded(), as: UTF8.self)
        #expect(text == String(decoding: try snapshot.encoded(), as: UTF8.self))
        #expect(text.hasPrefix("{\n  \"facts\" : {"))
        #expect(text.contains("\"version\" : 1"))
        #expect(text.contains("\"destination\" : \"10.244.1.0/24\""))
        let facts = try #require(text.range(of: "\"facts\""))
        let state = try #require(text.range(of: "\"state\""))
        #expect(facts.lowerBound < state.lowerBound)
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
