/// An object whose kernel identity is part of it: a route, a neighbour, an FDB entry.
public protocol KeyedObject: Hashable, Sendable {
    associatedtype Key: Hashable, Comparable, Sendable
    var key: Key { get }
}

extension Route: KeyedObject {}
extension Neighbor: KeyedObject {}
extension FdbEntry: KeyedObject {}

/// Objects by key, each stored once, in one array sorted by key.
///
/// A state of 50,000 peers holds three tables of 50,000 objects. As dictionaries they took
/// 26 MB (power-of-two bucket counts at most 3/4 full, each key stored twice: as the table's
/// key and inside the object); as sorted arrays they take the objects' own size, a third of
/// that. Sorted storage also gives every listing its order for free and lets two tables be
/// diffed by one merge walk, with no hashing.
///
/// The API is the subset of `Dictionary`'s the code uses, so a state reads as before. Lookups
/// are binary searches. Building a table from many objects is one sort (`init(_:)`,
/// `merge(_:uniquingKeysWith:)`, `removeValues(forKeys:)`); setting a key one at a time moves
/// the objects after it, which is fine for the few objects of a delta or a repair, and the cost
/// to avoid for thousands.
public struct KeyedTable<Value: KeyedObject>: Hashable, Sendable {
    public typealias Key = Value.Key
    public typealias Element = (key: Key, value: Value)

    /// The objects, strictly ascending by key.
    public private(set) var values: [Value]

    public init() { values = [] }

    /// The objects by key, the first of two with one key winning (as `NetworkState.init`
    /// always did): one stable sort, then one pass that drops later duplicates.
    public init(_ objects: some Sequence<Value>) {
        var values = Array(objects)
        guard values.count > 1 else {
            self.values = values
            return
        }
        if !Self.isStrictlyAscending(values) {
            // Sorting (key, position) pairs keeps the sort stable and moves small items;
            // the objects are then picked out once.
            var order: [(key: Key, index: Int)] = []
            order.reserveCapacity(values.count)
            for index in values.indices { order.append((values[index].key, index)) }
            order.sort { $0.key != $1.key ? $0.key < $1.key : $0.index < $1.index }
            var sorted: [Value] = []
            sorted.reserveCapacity(values.count)
            var previous: Key?
            for item in order where item.key != previous {
                sorted.append(values[item.index])
                previous = item.key
            }
            values = sorted
        }
        self.values = values
    }

    /// The objects by key, the last of two with one key winning (as setting them one by one
    /// into a dictionary did). A lone object costs no allocation.
    public init(lastWins objects: [Value]) {
        self.init(objects.count <= 1 ? objects : Array(objects.reversed()))
    }

    private static func isStrictlyAscending(_ values: [Value]) -> Bool {
        var index = values.startIndex + 1
        while index < values.endIndex {
            if !(values[index - 1].key < values[index].key) { return false }
            index += 1
        }
        return true
    }

    public var count: Int { values.count }
    public var isEmpty: Bool { values.isEmpty }

    /// The keys, ascending.
    public var keys: Keys { Keys(values: values) }

    public mutating func reserveCapacity(_ capacity: Int) { values.reserveCapacity(capacity) }

    /// The position of `key`, or where it would be inserted.
    @inline(__always)
    private func position(of key: Key) -> (index: Int, found: Bool) {
        // Appending in order is the common way a table grows one object at a time.
        if let last = values.last, last.key < key { return (values.count, false) }
        var low = 0
        var high = values.count
        while low < high {
            let middle = low + (high - low) / 2
            let candidate = values[middle].key
            if candidate < key {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return (low, low < values.count && values[low].key == key)
    }

    /// The object of `key`; setting nil removes it. A value set must carry the key it is set
    /// under: the table keeps one copy of each key, inside the object.
    public subscript(key: Key) -> Value? {
        get {
            let (index, found) = position(of: key)
            return found ? values[index] : nil
        }
        set {
            if let newValue {
                updateValue(newValue, forKey: key)
            } else {
                removeValue(forKey: key)
            }
        }
    }

    /// Sets the object of `key`, returning the one it replaced.
    @discardableResult
    public mutating func updateValue(_ value: Value, forKey key: Key) -> Value? {
        precondition(value.key == key, "KeyedTable: an object set under another key")
        let (index, found) = position(of: key)
        if found {
            let old = values[index]
            values[index] = value
            return old
        }
        values.insert(value, at: index)
        return nil
    }

    @discardableResult
    public mutating func removeValue(forKey key: Key) -> Value? {
        let (index, found) = position(of: key)
        return found ? values.remove(at: index) : nil
    }

    /// Removes the objects of `keys` in one pass, returning those that were present, by key.
    /// What a delta of many peers does instead of one `removeValue` (and one move) per key.
    @discardableResult
    public mutating func removeValues(forKeys keys: some Sequence<Key>) -> KeyedTable {
        var doomed = Array(keys)
        guard !doomed.isEmpty, !values.isEmpty else { return KeyedTable() }
        doomed.sort()
        var removed: [Value] = []
        // A few keys (a delta of a few peers) are removed in place: no copy of the table.
        if doomed.count <= Self.fewObjects {
            for key in doomed { if let value = removeValue(forKey: key) { removed.append(value) } }
            return KeyedTable(sortedUnique: removed)
        }
        var kept: [Value] = []
        kept.reserveCapacity(values.count)
        var next = 0
        for value in values {
            while next < doomed.count && doomed[next] < value.key { next += 1 }
            if next < doomed.count && doomed[next] == value.key {
                removed.append(value)
            } else {
                kept.append(value)
            }
        }
        values = kept
        return KeyedTable(sortedUnique: removed)
    }

    /// Up to this many objects are removed or merged one by one, in place; more take one pass
    /// that builds the table anew.
    private static var fewObjects: Int { 16 }

    /// Objects already strictly ascending by key.
    private init(sortedUnique values: [Value]) { self.values = values }

    /// The objects `isIncluded` accepts, still by key.
    public func filter(_ isIncluded: (Element) throws -> Bool) rethrows -> KeyedTable {
        var kept: [Value] = []
        for value in values where try isIncluded((value.key, value)) { kept.append(value) }
        return KeyedTable(sortedUnique: kept)
    }

    /// Adds `other`'s objects in one merge walk; `combine` picks the object of a key both hold
    /// (called with this table's first).
    public mutating func merge(_ other: KeyedTable, uniquingKeysWith combine: (Value, Value) throws -> Value) rethrows {
        guard !other.isEmpty else { return }
        guard !values.isEmpty else {
            values = other.values
            return
        }
        // All after this table's (IPv6 keys after IPv4 ones, one family merged after the
        // other): appended, into storage sized once.
        if let last = values.last, let first = other.values.first, last.key < first.key {
            values.reserveCapacity(values.count + other.values.count)
            values.append(contentsOf: other.values)
            return
        }
        // A few objects (a delta of a few peers) are put in place: no copy of the table.
        if other.count <= Self.fewObjects {
            for object in other.values {
                let (index, found) = position(of: object.key)
                if found {
                    values[index] = try combine(values[index], object)
                } else {
                    values.insert(object, at: index)
                }
            }
            return
        }
        var merged: [Value] = []
        merged.reserveCapacity(values.count + other.values.count)
        var left = values.startIndex
        var right = other.values.startIndex
        while left < values.endIndex && right < other.values.endIndex {
            let a = values[left]
            let b = other.values[right]
            if a.key < b.key {
                merged.append(a)
                left += 1
            } else if b.key < a.key {
                merged.append(b)
                right += 1
            } else {
                merged.append(try combine(a, b))
                left += 1
                right += 1
            }
        }
        merged.append(contentsOf: values[left...])
        merged.append(contentsOf: other.values[right...])
        values = merged
    }

    /// The keys of a table, ascending.
    public struct Keys: RandomAccessCollection, Sendable {
        fileprivate let values: [Value]
        public var startIndex: Int { values.startIndex }
        public var endIndex: Int { values.endIndex }
        public subscript(position: Int) -> Key { values[position].key }
    }
}

extension KeyedTable: Sequence {
    /// (key, value) pairs ascending by key, as a dictionary is iterated.
    public struct Iterator: IteratorProtocol {
        fileprivate var base: IndexingIterator<[Value]>
        public mutating func next() -> Element? { base.next().map { ($0.key, $0) } }
    }

    public func makeIterator() -> Iterator { Iterator(base: values.makeIterator()) }
    public var underestimatedCount: Int { values.count }
}

extension KeyedTable: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (Key, Value)...) {
        for element in elements {
            precondition(element.0 == element.1.key, "KeyedTable: an object listed under another key")
        }
        self.init(elements.map(\.1))
    }
}

extension KeyedTable: CustomStringConvertible where Value: CustomStringConvertible {
    public var description: String { "[" + values.map(\.description).joined(separator: ", ") + "]" }
}
