import Foundation
import NetState
import StateJSON
import Testing

/// The snapshot field tables against `JSONEncoder`/`JSONDecoder` (run on the mirrors of
/// `JSONOracle`), which wrote and read snapshots before and stay here as the oracle: the bytes
/// must be the same, so old snapshots and golden files keep working.
@Suite struct SnapshotJSONTests {
    static func oracle(_ snapshot: Snapshot, snakeCase: Bool = false) throws -> [UInt8] {
        try JSONOracle.encode(snapshot, snakeCase: snakeCase)
    }

    /// Shows the first difference, so a failure says where the writer went wrong.
    static func firstDifference(_ written: [UInt8], _ expected: [UInt8]) -> String {
        let common = zip(written, expected).prefix { $0 == $1 }.count
        let lower = max(0, common - 80)
        return "at byte \(common): wrote …\(String(decoding: written[lower..<min(written.count, common + 40)], as: UTF8.self))… "
            + "expected …\(String(decoding: expected[lower..<min(expected.count, common + 40)], as: UTF8.self))…"
    }

    @Test func handMadeSnapshotMatchesJSONEncoderByteForByte() throws {
        var state = StateSample.state
        let masquerade = NftTable(
            key: NftTable.flannelKey, comment: "flannel's \"own\" table\n\twith\\escapes/and\u{1}controls é",
            chains: [
                NftChain(
                    name: "postrtg", comment: "masquerade", hook: .init(type: "nat", hook: "postrouting", priority: 100),
                    rules: [
                        NftRule([.mark(mask: 0x4000, value: 0x4000)], .return),
                        NftRule([.sourceAddress(StateSample.prefix("10.244.0.0/16"), negated: true), .outputInterface("eth0", negated: false)], .masquerade(fullyRandom: true), comment: "c"),
                        NftRule([.counter], .continue),
                    ]
                ),
                NftChain(name: "regular", hook: nil, rules: []),
            ]
        )
        state.tables[masquerade.key] = masquerade
        for snapshot in [Snapshot(state: state, facts: StateSample.facts),
                         Snapshot(state: NetworkState(), facts: LinkFacts(underlay: "lo"))] {
            let written = snapshot.encodedBytes()
            let expected = try Self.oracle(snapshot)
            #expect(written == expected, "\(Self.firstDifference(written, expected))")
            let snake = snapshot.encodedBytes(keyStyle: .snakeCase)
            let snakeExpected = try Self.oracle(snapshot, snakeCase: true)
            #expect(snake == snakeExpected, "\(Self.firstDifference(snake, snakeExpected))")
            #expect(try Snapshot.decode(Data(written)) == snapshot)
        }
    }

    @Test(arguments: 0..<40)
    func randomSnapshotsMatchJSONEncoderAndRoundTrip(seed: UInt64) throws {
        var generator = RandomState(seed: seed)
        let snapshot = generator.snapshot()
        let written = snapshot.encodedBytes()
        let expected = try Self.oracle(snapshot)
        #expect(written == expected, "\(Self.firstDifference(written, expected))")
        let snake = snapshot.encodedBytes(keyStyle: .snakeCase)
        let snakeExpected = try Self.oracle(snapshot, snakeCase: true)
        #expect(snake == snakeExpected, "\(Self.firstDifference(snake, snakeExpected))")
        let read = try Snapshot.decode(Data(written))
        #expect(read == snapshot)
        // And the old reader agrees with the new one on the same bytes.
        #expect(try JSONOracle.decode(Data(written)) == read)
    }

    /// Every snapshot in the golden cases (hand-written: other spacing, unsorted keys) reads to
    /// what `JSONDecoder` read.
    @Test func goldenSnapshotsReadAsJSONDecoderReadThem() throws {
        let cases = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Golden/Cases")
        let files = try FileManager.default.subpathsOfDirectory(atPath: cases.path).filter {
            ($0 as NSString).lastPathComponent.hasPrefix("observed") && $0.hasSuffix(".json")
        }
        #expect(!files.isEmpty)
        for file in files {
            let data = try Data(contentsOf: cases.appendingPathComponent(file))
            let expected = try JSONOracle.decode(data)
            #expect(try Snapshot.decode(data, path: file) == expected, "\(file)")
        }
    }

    static let route = #"{"key": {"table": "main", "destination": "10.244.1.0/24", "tos": 0, "metric": 0}, "type": "unicast", "scope": "global", "proto": "boot", "onLink": false}"#

    static func document(routes: String = "[\(route)]", facts: String = #"{"underlay": "eth0"}"#, version: String = "1") -> String {
        #"{"version": \#(version), "state": {"routes": \#(routes)}, "facts": \#(facts)}"#
    }

    /// Malformed snapshots: each refusal names the place and the reason.
    @Test(arguments: [
        (document(routes: "[" + route.replacingOccurrences(of: "10.244.1.0/24", with: "10.244.1.7/24") + "]"),
         "snapshot bad.json: not an IP prefix: 10.244.1.7/24 at .state.routes[0].key.destination"),
        (document(routes: "[" + route.replacingOccurrences(of: #""proto": "boot", "#, with: "") + "]"),
         #"snapshot bad.json: missing "proto" at .state.routes[0]"#),
        (document(routes: "[" + route.replacingOccurrences(of: #""tos": 0"#, with: #""tos": 300"#) + "]"),
         "snapshot bad.json: the number 300 does not fit in UInt8 at .state.routes[0].key.tos"),
        (document(routes: "[" + route.replacingOccurrences(of: #""scope": "global""#, with: #""scope": "galaxy""#) + "]"),
         "snapshot bad.json: unknown RouteScope: galaxy at .state.routes[0].scope"),
        (document(routes: "[" + route.replacingOccurrences(of: #""onLink": false"#, with: #""onLink": "no""#) + "]"),
         "snapshot bad.json: expected true or false, found a string at .state.routes[0].onLink"),
        (document(routes: #"{"a": 1}"#), "snapshot bad.json: expected an array, found an object at .state.routes"),
        (document(facts: "{}"), #"snapshot bad.json: missing "underlay" at .facts"#),
        (document(facts: #"{"underlay": "eth0", "routeLookups": [{"ip": "1.2.3"}]}"#),
         "snapshot bad.json: not an IP address: 1.2.3 at .facts.routeLookups[0].ip"),
        (document(routes: "[" + route + ",]"),
         "snapshot bad.json: not a snapshot (malformed JSON): expected a value, found ']' (line 1, column 191) at .state.routes[1]"),
        (#"{"version": 1, "state": {"#, "snapshot bad.json: not a snapshot (malformed JSON): unexpected end of input, expected a string key (line 1, column 26) at .state"),
        ("[1]", "snapshot bad.json: not a snapshot (malformed JSON): expected an object, found an array at top level"),
        (#"{"state": {}, "facts": {"underlay": "eth0"}}"#, #"snapshot bad.json: no "version" field"#),
        (document(routes: "7", version: "2"), "snapshot bad.json: version 2 is not supported (this build reads version 1)"),
        (document() + " x", "snapshot bad.json: not a snapshot (malformed JSON): unexpected 'x' after the end of the JSON value (line 1, column 225) at top level"),
    ])
    func malformedSnapshotsAreRefusedWithAPlace(text: String, expected: String) throws {
        do {
            let snapshot = try Snapshot.decode(Data(text.utf8), path: "bad.json")
            Issue.record("accepted: \(snapshot)")
        } catch {
            #expect(error.description == expected)
        }
    }

    @Test func aSnapshotReadsBackAfterAnyTruncation() throws {
        let bytes = Snapshot(state: StateSample.state, facts: StateSample.facts).encodedBytes()
        for length in stride(from: 0, to: bytes.count - 1, by: 7) {
            #expect(throws: Snapshot.Failure.self) { try Snapshot.decode(Data(bytes[0..<length]), path: "cut.json") }
        }
    }
}
