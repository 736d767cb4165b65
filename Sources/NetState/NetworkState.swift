/// A node's network state as far as this tool is concerned: the vxlan device, routes,
/// neighbours, FDB entries and nf_tables tables, each keyed by its kernel identity.
///
/// The same type holds a desired state (only owned objects) and an observed one (whatever was
/// read, owned or not: the planner applies the ownership rules). Routes, neighbours and FDB
/// entries are `KeyedTable`s, kept sorted by key: every rendering is deterministic, and the
/// planner diffs two states by one merge walk.
public struct NetworkState: Hashable, Sendable {
    public var vxlan: VxlanLink?
    /// The IPv6 vxlan device `flannel-v6.<VNI>` of a dual-stack or IPv6-only node.
    public var vxlan6: VxlanLink?
    public var routes: KeyedTable<Route>
    public var neighbors: KeyedTable<Neighbor>
    public var fdb: KeyedTable<FdbEntry>
    public var tables: [NftTable.Key: NftTable]
    /// Desired only: flannel's iptables-mode rules per iptables-nft table. The observed side of
    /// those tables is in `tables`, whole, foreign rules included: they are shared.
    public var iptables: [NftTable.Key: IptablesRuleSet]

    public init(
        vxlan: VxlanLink? = nil, vxlan6: VxlanLink? = nil, routes: [Route] = [], neighbors: [Neighbor] = [], fdb: [FdbEntry] = [],
        tables: [NftTable] = [], iptables: [IptablesRuleSet] = []
    ) {
        self.vxlan = vxlan
        self.vxlan6 = vxlan6
        self.routes = KeyedTable(routes)
        self.neighbors = KeyedTable(neighbors)
        self.fdb = KeyedTable(fdb)
        self.tables = Self.table(tables, key: \.key)
        self.iptables = Self.table(iptables, key: \.table)
    }

    /// The objects by key, the first of two with one key winning. Sized once and filled in
    /// place: no array of pairs, no resizes, and one hash probe per object with a new key.
    private static func table<Key: Hashable, Value>(_ values: [Value], key: (Value) -> Key) -> [Key: Value] {
        var table: [Key: Value] = [:]
        table.reserveCapacity(values.count)
        for value in values {
            let key = key(value)
            if let first = table.updateValue(value, forKey: key) { table[key] = first }
        }
        return table
    }

    /// The vxlan devices present, IPv4's first.
    public var links: [VxlanLink] { [vxlan, vxlan6].compactMap { $0 } }

    public var sortedRoutes: [Route] { routes.values }
    public var sortedNeighbors: [Neighbor] { neighbors.values }
    public var sortedFdb: [FdbEntry] { fdb.values }
    public var sortedTables: [NftTable] { tables.values.sorted { $0.key < $1.key } }
    public var sortedIptables: [IptablesRuleSet] { iptables.values.sorted { $0.table < $1.table } }

    public var isEmpty: Bool {
        vxlan == nil && vxlan6 == nil && routes.isEmpty && neighbors.isEmpty && fdb.isEmpty && tables.isEmpty && iptables.isEmpty
    }

    /// Number of kernel objects held (a device counts once, plus one per address).
    public var objectCount: Int {
        links.reduce(0) { $0 + 1 + $1.addresses.count } + routes.count + neighbors.count + fdb.count + tables.count
            + iptables.values.reduce(0) { $0 + $1.layout.rules.count }
    }
}
