import Foundation
import NetState
import StateJSON
import Testing

/// The field tables of the kernel objects on their own: round trips, defaults, refusals.
@Suite struct StateJSONTests {
    static func write<V, D>(_ value: V, _ format: JSONObjectFormat<V, D>) -> [UInt8] {
        var writer = JSONTextWriter()
        writer.write(value, as: format)
        return writer.bytes
    }

    static func read<V, D>(_ text: some Sequence<UInt8>, _ format: JSONObjectFormat<V, D>) throws -> V {
        let bytes = Array(text)
        return try bytes.withUnsafeBytes { raw in
            var reader = JSONTextReader(raw)
            let value = try reader.read(format)
            try reader.finish()
            return value
        }
    }

    @Test(arguments: 0..<10)
    func statesRoundTripLosslessly(seed: UInt64) throws {
        var generator = RandomState(seed: seed)
        let state = generator.snapshot().state
        let bytes = Self.write(state, StateFormats.state)
        let read = try Self.read(bytes, StateFormats.state)
        #expect(read == state)
        #expect(Self.write(read, StateFormats.state) == bytes, "encoding is deterministic")
    }

    @Test func missingSectionsReadEmpty() throws {
        #expect(try Self.read("{}".utf8, StateFormats.state).isEmpty)
        #expect(try Self.read(#"{"routes": null, "vxlan": null}"#.utf8, StateFormats.state).isEmpty)
    }

    @Test func objectsInKeyOrderWithTextualValues() throws {
        let route = Route(key: .init(table: RouteTable(rawValue: 100), destination: StateSample.prefix("0.0.0.0/0")), device: "eth1")
        let main = Route(key: .init(destination: StateSample.prefix("10.244.1.0/24")), type: .blackhole)
        let neighbor = Neighbor(key: .init(device: "flannel.1", ip: IPv4Address(10, 244, 2, 0)), lladdr: MACAddress(0x9e11_2233_4455))
        let json = String(decoding: Self.write(NetworkState(routes: [main, route], neighbors: [neighbor]), StateFormats.state), as: UTF8.self)
        // Routes sort by table number first: table 100 before main (254).
        let first = try #require(json.range(of: "\"0.0.0.0/0\""))
        let second = try #require(json.range(of: "\"10.244.1.0/24\""))
        #expect(first.lowerBound < second.lowerBound)
        #expect(json.contains("\"9e:11:22:33:44:55\""))
        #expect(json.contains("\"permanent\""))
    }

    @Test(arguments: [
        (#"{"destination": "010.0.0.1/32", "metric": 0, "table": "main", "tos": 0}"#, "not an IP prefix: 010.0.0.1/32 at .destination"),
        (#"{"destination": "10.244.1.7/24", "metric": 0, "table": "main", "tos": 0}"#, "not an IP prefix: 10.244.1.7/24 at .destination"),
        (#"{"destination": "fd00:10:244:1::7/64", "metric": 0, "table": "main", "tos": 0}"#, "not an IP prefix: fd00:10:244:1::7/64 at .destination"),
        (#"{"destination": "fd00::/129", "metric": 0, "table": "main", "tos": 0}"#, "not an IP prefix: fd00::/129 at .destination"),
        (#"{"destination": "fd00:::/64", "metric": 0, "table": "main", "tos": 0}"#, "not an IP prefix: fd00:::/64 at .destination"),
        (#"{"destination": "10.244.1.0/24", "metric": 0, "table": "nowhere-else", "tos": 0}"#, "unknown RouteTable: nowhere-else at .table"),
        (#"{"destination": "10.244.1.0/24", "metric": 0, "tos": 0}"#, #"missing "table" at top level"#),
    ])
    func malformedValuesAreRefused(json: String, reason: String) {
        #expect(throws: (any Error).self) { try Self.read(json.utf8, StateFormats.routeKey) }
        do {
            _ = try Self.read(json.utf8, StateFormats.routeKey)
        } catch let error as JSONReadError {
            #expect(error.description == reason)
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func kernelEnumsAreNamesOrNumbers() throws {
        let route = Route(key: .init(destination: StateSample.prefix("10.0.0.0/8")), proto: RouteProtocol(rawValue: 77))
        let text = String(decoding: Self.write(route, StateFormats.route), as: UTF8.self)
        #expect(text.contains(#""proto" : "77""#))
        #expect(text.contains(#""table" : "main""#))
        #expect(try Self.read(Array(text.utf8), StateFormats.route) == route)
    }

    @Test func linkFactsRoundTripAndDefaults() throws {
        let facts = LinkFacts(
            underlay: "ens3", mtu: 9000, addresses: [InterfaceAddress(address: IPv4Address(10, 0, 0, 2), length: 24)],
            onLinkNetworks: [.v4(StateSample.prefix("192.168.1.0/24"))],
            routeLookups: [.v4(IPv4Address(1, 2, 3, 4)): true, .v4(IPv4Address(1, 2, 3, 3)): false]
        )
        #expect(try Self.read(Self.write(facts, StateFormats.facts), StateFormats.facts) == facts)
        let minimal = try Self.read(#"{"underlay":"eth0"}"#.utf8, StateFormats.facts)
        #expect(minimal == LinkFacts(underlay: "eth0"))
        #expect(minimal.mtu == 1500)
    }

    @Test func snakeCaseKeysAreWrittenAndRead() throws {
        let snapshot = StateSample.snapshot
        let bytes = snapshot.encodedBytes(keyStyle: .snakeCase)
        #expect(String(decoding: bytes, as: UTF8.self).contains("\"on_link\""))
        let read = try bytes.withUnsafeBytes { try Snapshot.decode($0, path: "-", keyStyle: .snakeCase) }
        #expect(read == snapshot)
    }
}
