import NetState

/// The JSON of the kernel objects, as snapshots and plans hold them: every member of every
/// type in one table, in key order. Optionals are left out when nil; `NetworkState`'s and
/// `LinkFacts`' collections may be absent; every other member is required.
public enum StateFormats {
    public static let route = JSONObjectFormat<Route, Route>(blank: Route(key: routeKey.blank, device: nil), [
        .optional("device", { $0.device }, { $0.device = $1 }, .interfaceName),
        .optional("gateway", { $0.gateway }, { $0.gateway = $1 }, .ipAddress),
        .required("key", { $0.key }, { $0.key = $1 }, routeKey.value),
        .required("onLink", { $0.onLink }, { $0.onLink = $1 }, .bool),
        .optional("preferredSource", { $0.preferredSource }, { $0.preferredSource = $1 }, .ipAddress),
        .required("proto", { $0.proto }, { $0.proto = $1 }, .kernelEnum(RouteProtocol.self)),
        .required("scope", { $0.scope }, { $0.scope = $1 }, .kernelEnum(RouteScope.self)),
        .required("type", { $0.type }, { $0.type = $1 }, .kernelEnum(RouteType.self)),
    ])

    public static let routeKey = JSONObjectFormat<Route.Key, Route.Key>(blank: Route.Key(destination: IPv4Prefix(address: .init(0), length: 0)), [
        .required("destination", { $0.destination }, { $0.destination = $1 }, .ipPrefix),
        .required("metric", { $0.metric }, { $0.metric = $1 }, .integer(UInt32.self)),
        .required("table", { $0.table }, { $0.table = $1 }, .kernelEnum(RouteTable.self)),
        .required("tos", { $0.tos }, { $0.tos = $1 }, .integer(UInt8.self)),
    ])

    public static let neighbor = JSONObjectFormat<Neighbor, Neighbor>(blank: Neighbor(key: neighborKey.blank, lladdr: nil), [
        .required("key", { $0.key }, { $0.key = $1 }, neighborKey.value),
        .optional("lladdr", { $0.lladdr }, { $0.lladdr = $1 }, .mac),
        .required("state", { $0.state }, { $0.state = $1 }, .kernelEnum(NeighborState.self)),
    ])

    public static let neighborKey = JSONObjectFormat<Neighbor.Key, Neighbor.Key>(blank: Neighbor.Key(device: "", ip: IPv4Address(0)), [
        .required("device", { $0.device }, { $0.device = $1 }, .interfaceName),
        .required("ip", { $0.ip }, { $0.ip = $1 }, .ipAddress),
    ])

    public static let fdb = JSONObjectFormat<FdbEntry, FdbEntry>(blank: FdbEntry(key: fdbKey.blank, destination: nil), [
        .optional("destination", { $0.destination }, { $0.destination = $1 }, .ipAddress),
        .required("isSelf", { $0.isSelf }, { $0.isSelf = $1 }, .bool),
        .required("key", { $0.key }, { $0.key = $1 }, fdbKey.value),
        .required("state", { $0.state }, { $0.state = $1 }, .kernelEnum(NeighborState.self)),
    ])

    public static let fdbKey = JSONObjectFormat<FdbEntry.Key, FdbEntry.Key>(blank: FdbEntry.Key(device: "", mac: MACAddress(0)), [
        .required("device", { $0.device }, { $0.device = $1 }, .interfaceName),
        .required("mac", { $0.mac }, { $0.mac = $1 }, .mac),
    ])

    /// Addresses are read in the file's order (the initialiser would sort them). `acceptRa` and
    /// `txqlen` are left out when unknown; documents written before they existed read as
    /// unknown, which the planner never counts as a difference.
    public static let vxlan = JSONObjectFormat<VxlanLink, VxlanLink>(blank: VxlanLink(name: "", vni: 0, local: nil, underlay: nil, mtu: 0, mac: nil), [
        .optional("acceptRa", { $0.acceptRA }, { $0.acceptRA = $1 }, .integer(Int32.self)),
        .required("addresses", { $0.addresses }, { $0.addresses = $1 }, .array(.interfaceAddress)),
        .required("gbp", { $0.gbp }, { $0.gbp = $1 }, .bool),
        .required("learning", { $0.learning }, { $0.learning = $1 }, .bool),
        .optional("local", { $0.local }, { $0.local = $1 }, .ipAddress),
        .optional("mac", { $0.mac }, { $0.mac = $1 }, .mac),
        .required("mtu", { $0.mtu }, { $0.mtu = $1 }, .integer(UInt32.self)),
        .required("name", { $0.name }, { $0.name = $1 }, .interfaceName),
        .required("port", { $0.port }, { $0.port = $1 }, .integer(UInt16.self)),
        .optional("txqlen", { $0.txQueueLength }, { $0.txQueueLength = $1 }, .integer(UInt32.self)),
        .optional("underlay", { $0.underlay }, { $0.underlay = $1 }, .interfaceName),
        .required("up", { $0.up }, { $0.up = $1 }, .bool),
        .required("vni", { $0.vni }, { $0.vni = $1 }, .integer(UInt32.self)),
    ])

    /// Objects in key order, so the same state is the same bytes; read back as a list.
    public static let state = JSONObjectFormat<NetworkState, StateDraft>(blank: StateDraft(), [
        .defaulted("fdb", { $0.sortedFdb }, { $0.fdb = $1 }, .array(fdb.value)),
        iptables,
        .defaulted("neighbors", { $0.sortedNeighbors }, { $0.neighbors = $1 }, .array(neighbor.value)),
        .defaulted("routes", { $0.sortedRoutes }, { $0.routes = $1 }, .array(route.value)),
        .defaulted("tables", { $0.sortedTables }, { $0.tables = $1 }, .array(NftFormats.table.value)),
        .optional("vxlan", { $0.vxlan }, { $0.vxlan = $1 }, vxlan.value),
        .optional("vxlan6", { $0.vxlan6 }, { $0.vxlan6 = $1 }, vxlan.value),
    ]) { (draft: StateDraft, _: inout JSONTextReader) throws(JSONReadError) in
        NetworkState(vxlan: draft.vxlan, vxlan6: draft.vxlan6, routes: draft.routes, neighbors: draft.neighbors, fdb: draft.fdb, tables: draft.tables)
    }

    /// A desired state's iptables-mode rules, per table the layout the plan would write:
    /// `[{"table": {…}, "layout": "flannel v0.21+", "chains": [{"name": "FLANNEL-POSTRTG", …}],
    /// "rules": [{"chain": "POSTROUTING", "rule": {…}}, …]}]`. Written only when there are
    /// some (an observed state has none: the observed side of those tables is in `tables`), and
    /// not read back: which older layouts also satisfy follows from the inputs, not the file.
    static let iptables = JSONField<NetworkState, StateDraft>("iptables", required: false, write: { writer, state, name in
        guard !state.iptables.isEmpty else { return }
        writer.key(name)
        let sides: [IptablesFormats.Side] = state.sortedIptables.map { set in
            IptablesFormats.Side(
                table: set.table, chains: set.layout.chain.map { [NftChain(name: $0, hook: nil, rules: [])] } ?? [],
                rules: set.layout.rules, layout: set.layout.name
            )
        }
        let format: JSONValueFormat<[IptablesFormats.Side]> = .array(IptablesFormats.side.value)
        format.write(&writer, sides)
    }, read: { (reader: inout JSONTextReader, _: inout StateDraft) throws(JSONReadError) in
        try reader.skipValue()
    })

    public struct StateDraft: Sendable {
        var vxlan: VxlanLink?
        var vxlan6: VxlanLink?
        var routes: [Route] = []
        var neighbors: [Neighbor] = []
        var fdb: [FdbEntry] = []
        var tables: [NftTable] = []
    }

    /// The route lookups are a list of `{ip, onLink}` sorted by IP; the last of a repeated IP wins.
    public static let facts = JSONObjectFormat<LinkFacts, LinkFacts>(blank: LinkFacts(underlay: ""), [
        .defaulted("addresses", { $0.addresses }, { $0.addresses = $1 }, .array(.interfaceAddress)),
        .defaulted("mtu", { $0.mtu }, { $0.mtu = $1 }, mtu),
        .defaulted("onLinkNetworks", { $0.onLinkNetworks }, { $0.onLinkNetworks = $1 }, .array(.ipPrefix)),
        .defaulted("routeLookups", { $0.sortedLookups }, { $0.routeLookups = Dictionary($1, uniquingKeysWith: { $1 }) }, .array(lookup.value)),
        .required("underlay", { $0.underlay }, { $0.underlay = $1 }, .interfaceName),
    ])

    static let lookup = JSONObjectFormat<(IPAddress, Bool), (IPAddress, Bool)>(blank: (.v4(IPv4Address(0)), false), [
        .required("ip", { $0.0 }, { $0.0 = $1 }, .ipAddress),
        .required("onLink", { $0.1 }, { $0.1 = $1 }, .bool),
    ])

    /// An interface MTU, checked where it is read (`LinkFacts.mtuRange`).
    static let mtu = JSONValueFormat<UInt32>(write: { $0.integer($1) }, read: { (reader: inout JSONTextReader) throws(JSONReadError) in
        let value = try reader.readInteger(UInt32.self)
        if let refusal = LinkFacts.mtuRefusal(value) { throw reader.invalid(refusal) }
        return value
    })
}

extension LinkFacts {
    var sortedLookups: [(IPAddress, Bool)] { routeLookups.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
}
