import NetState

/// The mirrors of the kernel objects (see `JSONOracle`).
private func parse<T>(_ text: String, _ make: (String) -> T?) throws -> T { try JSONOracle.parse(text, make) }

private func parse<T>(_ text: String?, _ make: (String) -> T?) throws -> T? {
    guard let text else { return nil }
    return try JSONOracle.parse(text, make)
}

struct RouteMirror: Codable {
    struct Key: Codable {
        var table: String
        var destination: String
        var tos: UInt8
        var metric: UInt32
    }

    var key: Key
    var type: String
    var gateway: String?
    var device: String?
    var scope: String
    var proto: String
    var onLink: Bool
    var preferredSource: String?

    init(_ route: Route) {
        key = Key(table: route.key.table.description, destination: route.key.destination.description, tos: route.key.tos, metric: route.key.metric)
        type = route.type.description
        gateway = route.gateway?.description
        device = route.device
        scope = route.scope.description
        proto = route.proto.description
        onLink = route.onLink
        preferredSource = route.preferredSource?.description
    }

    func model() throws -> Route {
        Route(
            key: Route.Key(
                table: try parse(key.table) { RouteTable(name: $0) }, destination: try parse(key.destination) { IPPrefix($0) },
                tos: key.tos, metric: key.metric
            ),
            type: try parse(type) { RouteType(name: $0) }, gateway: try parse(gateway) { IPAddress($0) }, device: device,
            scope: try parse(scope) { RouteScope(name: $0) }, proto: try parse(proto) { RouteProtocol(name: $0) }, onLink: onLink,
            preferredSource: try parse(preferredSource) { IPAddress($0) }
        )
    }
}

struct NeighborMirror: Codable {
    struct Key: Codable {
        var device: String
        var ip: String
    }

    var key: Key
    var lladdr: String?
    var state: String

    init(_ neighbor: Neighbor) {
        key = Key(device: neighbor.key.device, ip: neighbor.key.ip.description)
        lladdr = neighbor.lladdr?.description
        state = neighbor.state.description
    }

    func model() throws -> Neighbor {
        Neighbor(
            key: Neighbor.Key(device: key.device, ip: try parse(key.ip) { IPAddress($0) }), lladdr: try parse(lladdr) { MACAddress($0) },
            state: try parse(state) { NeighborState(name: $0) }
        )
    }
}

struct FdbMirror: Codable {
    struct Key: Codable {
        var device: String
        var mac: String
    }

    var key: Key
    var destination: String?
    var isSelf: Bool
    var state: String

    init(_ entry: FdbEntry) {
        key = Key(device: entry.key.device, mac: entry.key.mac.description)
        destination = entry.destination?.description
        isSelf = entry.isSelf
        state = entry.state.description
    }

    func model() throws -> FdbEntry {
        FdbEntry(
            key: FdbEntry.Key(device: key.device, mac: try parse(key.mac) { MACAddress($0) }),
            destination: try parse(destination) { IPAddress($0) }, isSelf: isSelf, state: try parse(state) { NeighborState(name: $0) }
        )
    }
}

struct VxlanMirror: Codable {
    var name: String
    var vni: UInt32
    var local: String?
    var underlay: String?
    var port: UInt16
    var learning: Bool
    var gbp: Bool
    var mtu: UInt32
    var mac: String?
    var up: Bool
    var addresses: [String]
    var txqlen: UInt32?
    var acceptRa: Int32?

    init(_ link: VxlanLink) {
        (name, vni, local, underlay, port) = (link.name, link.vni, link.local?.description, link.underlay, link.port)
        (learning, gbp, mtu, mac, up) = (link.learning, link.gbp, link.mtu, link.mac?.description, link.up)
        addresses = link.addresses.map(\.description)
        (txqlen, acceptRa) = (link.txQueueLength, link.acceptRA)
    }

    func model() throws -> VxlanLink {
        var link = VxlanLink(
            name: name, vni: vni, local: try parse(local) { IPAddress($0) }, underlay: underlay, port: port, learning: learning,
            gbp: gbp, mtu: mtu, mac: try parse(mac) { MACAddress($0) }, up: up
        )
        link.addresses = try addresses.map { try parse($0) { InterfaceAddress($0) } }
        (link.txQueueLength, link.acceptRA) = (txqlen, acceptRa)
        return link
    }
}

struct TableMirror: Codable {
    struct Key: Codable {
        var family: String
        var name: String
    }

    struct Chain: Codable {
        var name: String
        var comment: String?
        var hook: NftChain.Hook.Mirror?
        var rules: [Rule]
    }

    struct Rule: Codable {
        var matches: [String]
        var verdict: String
        var comment: String?
    }

    var key: Key
    var comment: String?
    var chains: [Chain]

    init(_ table: NftTable) {
        key = Key(family: table.key.family.description, name: table.key.name)
        comment = table.comment
        chains = table.chains.map { chain in
            Chain(
                name: chain.name, comment: chain.comment, hook: chain.hook.map(NftChain.Hook.Mirror.init),
                rules: chain.rules.map { Rule(matches: $0.matches.map(\.description), verdict: $0.verdict.description, comment: $0.comment) }
            )
        }
    }

    func model() throws -> NftTable {
        NftTable(
            key: NftTable.Key(family: try parse(key.family) { NftFamily(name: $0) }, name: key.name), comment: comment,
            chains: chains.map { chain in
                NftChain(
                    name: chain.name, comment: chain.comment, hook: chain.hook?.model,
                    rules: chain.rules.map { NftRule($0.matches.map(NftMatch.init(parsing:)), NftVerdict(parsing: $0.verdict), comment: $0.comment) }
                )
            }
        )
    }
}

extension NftChain.Hook {
    struct Mirror: Codable {
        var type: String
        var hook: String
        var priority: Int32
        var policyAccept: Bool

        init(_ hook: NftChain.Hook) { (type, self.hook, priority, policyAccept) = (hook.type, hook.hook, hook.priority, hook.policyAccept) }

        var model: NftChain.Hook { NftChain.Hook(type: type, hook: hook, priority: priority, policyAccept: policyAccept) }
    }
}
