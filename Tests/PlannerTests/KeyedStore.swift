import NetState

/// What the test oracles need of a keyed collection, so that they read `NetworkState`'s sorted
/// tables and plain dictionaries (nf_tables tables, their own bookkeeping) alike, by key
/// lookups: the oracles stay independent of the tables' order.
protocol KeyedStore<Key, Object> {
    associatedtype Key: Hashable & Comparable
    associatedtype Object
    associatedtype Keys: Sequence<Key>
    var keys: Keys { get }
    subscript(key: Key) -> Object? { get set }
}

extension Dictionary: KeyedStore where Key: Comparable {
    typealias Object = Value
}

extension KeyedTable: KeyedStore {
    typealias Object = Value
}
