import NetState

extension Ownership {
    /// The owned objects of an observed state, listed as `observe` prints them. Filtering and
    /// sorting the values as arrays costs a fraction of building an owned state's dictionaries
    /// and then sorting their keys, which is most of `observe`'s own work at thousands of peers.
    public func ownedListing(of state: NetworkState) -> TextBuffer {
        func owned<Object>(_ values: Dictionary<some Hashable, Object>.Values, _ owns: (Object) -> Bool) -> [Object] {
            var kept: [Object] = []
            kept.reserveCapacity(values.count)
            for value in values where owns(value) { kept.append(value) }
            return kept
        }
        return NetworkState.listing(
            vxlan: state.vxlan?.name == vxlanDevice ? state.vxlan : nil,
            routes: owned(state.routes.values, owns).sorted { $0.key < $1.key },
            neighbors: owned(state.neighbors.values, owns).sorted { $0.key < $1.key },
            fdb: owned(state.fdb.values, owns).sorted { $0.key < $1.key },
            tables: owned(state.tables.values) { owns($0.key) }.sorted { $0.key < $1.key }
        )
    }
}
