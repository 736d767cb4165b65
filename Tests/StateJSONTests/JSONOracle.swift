import Foundation
import NetState
import StateJSON

/// The oracle: the JSON the model's `Codable` conformances gave before StateJSON, rebuilt here
/// as plain mirror structs whose conformances Swift synthesises (property names are the keys,
/// optionals left out when nil, values as text). `JSONEncoder` and `JSONDecoder` run them, so
/// the field tables are checked against an encoder and a decoder that share no code with them.
enum JSONOracle {
    static func encode(_ snapshot: Snapshot, snakeCase: Bool = false) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        if snakeCase { encoder.keyEncodingStrategy = .convertToSnakeCase }
        return Array(try encoder.encode(SnapshotMirror(snapshot)))
    }

    static func decode(_ data: Data) throws -> Snapshot {
        try JSONDecoder().decode(SnapshotMirror.self, from: data).model()
    }

    struct Refused: Error { var text: String }

    static func parse<T>(_ text: String, _ parse: (String) -> T?) throws -> T {
        guard let value = parse(text) else { throw Refused(text: text) }
        return value
    }
}

struct SnapshotMirror: Codable {
    var version: Int
    var state: StateMirror
    var facts: FactsMirror

    init(_ snapshot: Snapshot) {
        version = snapshot.version
        state = StateMirror(snapshot.state)
        facts = FactsMirror(snapshot.facts)
    }

    func model() throws -> Snapshot {
        var snapshot = Snapshot(state: try state.model(), facts: try facts.model())
        snapshot.version = version
        return snapshot
    }
}

struct FactsMirror: Codable {
    struct Lookup: Codable {
        var ip: String
        var onLink: Bool
    }

    var underlay: String
    var mtu: UInt32?
    var addresses: [String]?
    var onLinkNetworks: [String]?
    var routeLookups: [Lookup]?

    init(_ facts: LinkFacts) {
        underlay = facts.underlay
        mtu = facts.mtu
        addresses = facts.addresses.map(\.description)
        onLinkNetworks = facts.onLinkNetworks.map(\.description)
        routeLookups = facts.routeLookups.sorted { $0.key < $1.key }.map { Lookup(ip: $0.key.description, onLink: $0.value) }
    }

    func model() throws -> LinkFacts {
        let lookups = try (routeLookups ?? []).map { (try JSONOracle.parse($0.ip) { IPAddress($0) }, $0.onLink) }
        return LinkFacts(
            underlay: underlay, mtu: mtu ?? 1500, addresses: try (addresses ?? []).map { try JSONOracle.parse($0) { InterfaceAddress($0) } },
            onLinkNetworks: try (onLinkNetworks ?? []).map { try JSONOracle.parse($0) { IPPrefix($0) } },
            routeLookups: Dictionary(lookups, uniquingKeysWith: { $1 })
        )
    }
}

struct StateMirror: Codable {
    var vxlan: VxlanMirror?
    var vxlan6: VxlanMirror?
    var routes: [RouteMirror]?
    var neighbors: [NeighborMirror]?
    var fdb: [FdbMirror]?
    var tables: [TableMirror]?

    init(_ state: NetworkState) {
        vxlan = state.vxlan.map(VxlanMirror.init)
        vxlan6 = state.vxlan6.map(VxlanMirror.init)
        routes = state.sortedRoutes.map(RouteMirror.init)
        neighbors = state.sortedNeighbors.map(NeighborMirror.init)
        fdb = state.sortedFdb.map(FdbMirror.init)
        tables = state.sortedTables.map(TableMirror.init)
    }

    func model() throws -> NetworkState {
        NetworkState(
            vxlan: try vxlan?.model(), vxlan6: try vxlan6?.model(), routes: try (routes ?? []).map { try $0.model() },
            neighbors: try (neighbors ?? []).map { try $0.model() }, fdb: try (fdb ?? []).map { try $0.model() },
            tables: try (tables ?? []).map { try $0.model() }
        )
    }
}
