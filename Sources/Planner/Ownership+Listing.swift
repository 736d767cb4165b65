import NetState

extension Ownership {
    /// The owned objects of an observed state, listed as `observe` prints them. Filtering the
    /// values into arrays and sorting them by integer keys costs a fraction of building an
    /// owned state's dictionaries and sorting their keys, which was most of `observe`'s own
    /// work at thousands of peers.
    public func ownedListing(of state: NetworkState) -> TextBuffer {
        NetworkState.listing(
            links: [state.vxlan, state.vxlan6].compactMap { $0.flatMap { owns($0) ? $0 : nil } },
            routes: Self.sorted(state.routes.values, where: owns) { $0.key },
            neighbors: Self.sorted(state.neighbors.values, where: owns) { $0.key },
            fdb: Self.sorted(state.fdb.values, where: owns) { $0.key },
            tables: state.tables.values.filter { owns($0.key) }.sorted { $0.key < $1.key },
            iptables: IptablesNames.tables.compactMap { state.tables[$0] }.map(ownedIptables(in:))
        )
    }

    /// The objects `keep` accepts, ordered by key. Sorting (key, index) pairs moves less than
    /// whole objects, and the kernel's own dump order is already lost in a dictionary.
    private static func sorted<Object, Key: Comparable>(
        _ values: some Collection<Object>, where keep: (Object) -> Bool, by key: (Object) -> Key
    ) -> [Object] {
        var kept: [Object] = []
        kept.reserveCapacity(values.count)
        for value in values where keep(value) { kept.append(value) }
        var order: [(key: Key, index: Int)] = []
        order.reserveCapacity(kept.count)
        for index in kept.indices { order.append((key(kept[index]), index)) }
        order.sort { $0.key < $1.key }
        var result: [Object] = []
        result.reserveCapacity(kept.count)
        for entry in order { result.append(kept[entry.index]) }
        return result
    }
}
