import NetState

extension Ownership {
    /// The owned objects of an observed state, listed as `observe` prints them: the tables are
    /// sorted by key, so this is one filter of each, with no owned state built.
    public func ownedListing(of state: NetworkState) -> TextBuffer {
        NetworkState.listing(
            links: [state.vxlan, state.vxlan6].compactMap { $0.flatMap { owns($0) ? $0 : nil } },
            routes: Self.sorted(state.routes, where: owns),
            neighbors: Self.sorted(state.neighbors, where: owns),
            fdb: Self.sorted(state.fdb, where: owns),
            tables: state.tables.values.filter { owns($0.key) }.sorted { $0.key < $1.key },
            iptables: IptablesNames.tables.compactMap { state.tables[$0] }.map(ownedIptables(in:))
        )
    }

    /// The objects `keep` accepts, in the table's order: by key.
    private static func sorted<Object>(_ table: KeyedTable<Object>, where keep: (Object) -> Bool) -> [Object] {
        table.values.filter(keep)
    }
}
