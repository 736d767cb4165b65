import NetState

extension Ownership {
    /// The owned objects of an observed state, listed as `observe` prints them. Filtering the
    /// values into arrays and sorting them by integer keys costs a fraction of building an
    /// owned state's dictionaries and sorting their keys, which was most of `observe`'s own
    /// work at thousands of peers.
    public func ownedListing(of state: NetworkState) -> TextBuffer {
        NetworkState.listing(
            vxlan: state.vxlan.flatMap { owns($0) ? $0 : nil },
            routes: Self.sorted(state.routes.values, where: owns) { $0.key.ordinal },
            // Owned neighbours and fdb entries all sit on the vxlan device, so within them the
            // key order (device, then address) is the address order.
            neighbors: Self.sorted(state.neighbors.values, where: owns) { (UInt64($0.key.ip.value), 0) },
            fdb: Self.sorted(state.fdb.values, where: owns) { ($0.key.mac.value, 0) },
            tables: state.tables.values.filter { owns($0.key) }.sorted { $0.key < $1.key },
            iptables: IptablesNames.tables.compactMap { state.tables[$0] }.map(ownedIptables(in:))
        )
    }

    /// The objects `keep` accepts, ordered by a key packed into two integers. Sorting
    /// (key, index) pairs moves 24 plain bytes per step instead of whole objects with their
    /// reference-counted device names, and the kernel's own dump order is already lost in a
    /// dictionary.
    private static func sorted<Object>(
        _ values: some Collection<Object>, where keep: (Object) -> Bool, by key: (Object) -> (UInt64, UInt64)
    ) -> [Object] {
        var kept: [Object] = []
        kept.reserveCapacity(values.count)
        for value in values where keep(value) { kept.append(value) }
        var order: [(key: (UInt64, UInt64), index: Int)] = []
        order.reserveCapacity(kept.count)
        for index in kept.indices { order.append((key(kept[index]), index)) }
        order.sort { $0.key < $1.key }
        var result: [Object] = []
        result.reserveCapacity(kept.count)
        for entry in order { result.append(kept[entry.index]) }
        return result
    }
}
