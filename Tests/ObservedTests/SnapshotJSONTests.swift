import Foundation
import NetState
@testable import Observed
import Testing

/// The byte-level snapshot writer and reader against `JSONEncoder`/`JSONDecoder`, which wrote
/// and read snapshots before and stay here as the oracle: the bytes must be the same, so old
/// snapshots and golden files keep working.
@Suite struct SnapshotJSONTests {
    static func oracle(_ snapshot: Snapshot, snakeCase: Bool = false) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        if snakeCase { encoder.keyEncodingStrategy = .convertToSnakeCase }
        return Array(try encoder.encode(snapshot))
    }

    /// Shows the first difference, so a failure says where the writer went wrong.
    static func firstDifference(_ written: [UInt8], _ expected: [UInt8]) -> String {
        let common = zip(written, expected).prefix { $0 == $1 }.count
        let lower = max(0, common - 80)
        return "at byte \(common): wrote …\(String(decoding: written[lower..<min(written.count, common + 40)], as: UTF8.self))… "
            + "expected …\(String(decoding: expected[lower..<min(expected.count, common + 40)], as: UTF8.self))…"
    }

    @Test func handMadeSnapshotMatchesJSONEncoderByteForByte() throws {
        var state = FlannelScenario.state
        let masquerade = NftTable(
            key: NftTable.flannelKey, comment: "flannel's \"own\" table\n\twith\\escapes/and\u{1}controls é",
            chains: [
                NftChain(
                    name: "postrtg", comment: "masquerade", hook: .init(type: "nat", hook: "postrouting", priority: 100),
                    rules: [
                        NftRule([.mark(mask: 0x4000, value: 0x4000)], .return),
                        NftRule([.sourceAddress(FlannelScenario.prefix("10.244.0.0/16"), negated: true), .outputInterface("eth0", negated: false)], .masquerade(fullyRandom: true), comment: "c"),
                        NftRule([.other("counter")], .continue),
                    ]
                ),
                NftChain(name: "regular", hook: nil, rules: []),
            ]
        )
        state.tables[masquerade.key] = masquerade
        for snapshot in [Snapshot(state: state, facts: FlannelScenario.facts),
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
        #expect(try JSONDecoder().decode(Snapshot.self, from: Data(written)) == read)
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
            let expected = try JSONDecoder().decode(Snapshot.self, from: data)
            #expect(try Snapshot.decode(data, path: file) == expected, "\(file)")
        }
    }

    @Test func fileRoundTripKeepsTheTrailingNewline() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("npf-snapjson-\(getpid()).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let snapshot = Snapshot(state: FlannelScenario.state, facts: FlannelScenario.facts)
        try snapshot.save(path: path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(Array(bytes) == (try Self.oracle(snapshot)) + [0x0a])
        #expect(try Snapshot.load(path: path) == snapshot)
    }

    static let route = #"{"key": {"table": "main", "destination": "10.244.1.0/24", "tos": 0, "metric": 0}, "type": "unicast", "scope": "global", "proto": "boot", "onLink": false}"#

    static func document(routes: String = "[\(route)]", facts: String = #"{"underlay": "eth0"}"#, version: String = "1") -> String {
        #"{"version": \#(version), "state": {"routes": \#(routes)}, "facts": \#(facts)}"#
    }

    /// Malformed snapshots: each refusal names the place and the reason.
    @Test(arguments: [
        (document(routes: "[" + route.replacingOccurrences(of: "10.244.1.0/24", with: "10.244.1.7/24") + "]"),
         "snapshot bad.json: not an IPv4 prefix: 10.244.1.7/24 at .state.routes[0].key.destination"),
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
         "snapshot bad.json: not an IPv4 address: 1.2.3 at .facts.routeLookups[0].ip"),
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
        let bytes = Snapshot(state: FlannelScenario.state, facts: FlannelScenario.facts).encodedBytes()
        for length in stride(from: 0, to: bytes.count - 1, by: 7) {
            #expect(throws: Snapshot.Failure.self) { try Snapshot.decode(Data(bytes[0..<length]), path: "cut.json") }
        }
    }
}

/// Random but reproducible model values: every optional both present and absent, names with
/// characters that need escaping, enums without names.
struct RandomState {
    private var state: UInt64

    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1 }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    mutating func chance() -> Bool { next() & 1 == 0 }

    mutating func address() -> IPv4Address { IPv4Address(UInt32(truncatingIfNeeded: next())) }
    mutating func prefix() -> IPv4Prefix { IPv4Prefix(address: address(), length: UInt8(below(33))) }
    mutating func mac() -> MACAddress { MACAddress(next()) }

    mutating func name() -> String {
        let pieces = ["flannel.1", "eth0", "ens3", "vx\"lan", "tab\there", "back\\slash", "sl/ash", "é-ü", "\u{1}\u{1f}\u{7f}", "line\nfeed", "", "x"]
        return pieces[below(pieces.count)] + (chance() ? String(below(1000)) : "")
    }

    /// An interface name: one the kernel would take (the reader refuses others, see
    /// `InterfaceName`), still with characters that need escaping in JSON.
    mutating func deviceName() -> String {
        let pieces = ["flannel.1", "eth0", "ens3", "vx\"lan", "back\\slash", "é-ü", "\u{1}\u{1f}\u{7f}", "x"]
        return pieces[below(pieces.count)] + (chance() ? String(below(1000)) : "")
    }

    mutating func route() -> Route {
        Route(
            key: .init(
                table: RouteTable(rawValue: [254, 255, 100, 253, 7][below(5)]), destination: prefix(),
                tos: UInt8(below(256)), metric: chance() ? 0 : UInt32(truncatingIfNeeded: next())
            ),
            type: RouteType(rawValue: UInt8(below(13))), gateway: chance() ? address() : nil,
            device: chance() ? deviceName() : nil, scope: RouteScope(rawValue: [0, 200, 253, 254, 255, 17][below(6)]),
            proto: RouteProtocol(rawValue: UInt8(below(256))), onLink: chance(), preferredSource: chance() ? address() : nil
        )
    }

    mutating func snapshot() -> Snapshot {
        let routes = (0..<below(30)).map { _ in route() }
        let neighbors = (0..<below(20)).map { _ in
            Neighbor(key: .init(device: deviceName(), ip: address()), lladdr: chance() ? mac() : nil, state: NeighborState(rawValue: UInt16(below(300))))
        }
        let fdb = (0..<below(20)).map { _ in
            FdbEntry(key: .init(device: deviceName(), mac: mac()), destination: chance() ? address() : nil, isSelf: chance(), state: NeighborState(rawValue: UInt16(below(300))))
        }
        let tables = (0..<below(3)).map { index in
            NftTable(
                key: .init(family: NftFamily(rawValue: UInt8(below(12))), name: name() + String(index)),
                comment: chance() ? name() : nil,
                chains: (0..<below(3)).map { _ in
                    NftChain(
                        name: name(), comment: chance() ? name() : nil,
                        hook: chance() ? .init(type: name(), hook: "postrouting", priority: Int32(truncatingIfNeeded: next()), policyAccept: chance()) : nil,
                        rules: (0..<below(4)).map { _ in
                            NftRule(
                                [.mark(mask: UInt32(truncatingIfNeeded: next()), value: 3), .destinationAddress(prefix(), negated: chance()), .inputInterface(name(), negated: chance()), .other(name())].filter { _ in chance() },
                                [NftVerdict.accept, .drop, .return, .masquerade(fullyRandom: chance()), .jump(name()), .goto("x"), .continue, .other("queue")][below(8)],
                                comment: chance() ? name() : nil
                            )
                        }
                    )
                }
            )
        }
        let vxlan: VxlanLink? = chance() ? nil : VxlanLink(
            name: deviceName(), vni: UInt32(truncatingIfNeeded: next()), local: chance() ? address() : nil,
            underlay: chance() ? deviceName() : nil,
            port: UInt16(truncatingIfNeeded: next()), learning: chance(), gbp: chance(), mtu: UInt32(below(10000)),
            mac: chance() ? mac() : nil, up: chance(),
            addresses: (0..<below(3)).map { _ in InterfaceAddress(address: address(), length: UInt8(below(33))) }
        )
        var lookups: [IPv4Address: Bool] = [:]
        for _ in 0..<below(10) { lookups[address()] = chance() }
        let facts = LinkFacts(
            underlay: deviceName(), mtu: 68 + UInt32(below(65535 - 68 + 1)),
            addresses: (0..<below(3)).map { _ in InterfaceAddress(address: address(), length: UInt8(below(33))) },
            onLinkNetworks: (0..<below(3)).map { _ in prefix() }, routeLookups: lookups
        )
        return Snapshot(state: NetworkState(vxlan: vxlan, routes: routes, neighbors: neighbors, fdb: fdb, tables: tables), facts: facts)
    }
}
