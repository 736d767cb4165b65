import NetState

/// One kind of keyed object (FDB entries, neighbours or routes) diffed against what was
/// observed, with the changes sorted by key as the plan lists them.
///
/// Each table is walked once as (key, value) pairs, and each key looked up once in the other
/// table; only the changes are sorted, so a converged plan sorts nothing. At 50,000 peers this
/// replaced sorting both key sets and up to four lookups per key.
struct KeyedDiff {
    /// Creates and in-place replaces, by key.
    var creates: [Change] = []
    /// Deletes of owned objects no longer desired, by key.
    var deletes: [Change] = []
    /// Desired objects left alone because a foreign object holds their key or the contract
    /// protects them, by key.
    var conflicts: [String] = []

    /// - Parameters:
    ///   - owns: the ownership rule: only owned objects are replaced in place or deleted, and
    ///     only owned desired objects are written (the others are conflicts).
    ///   - gone: observed objects to treat as absent (those on a device about to be re-created).
    ///   - mayReplace: whether a foreign object on a desired key may be replaced, rather than
    ///     reported as a conflict.
    ///   - fold: receives every object the plan depends on: each owned one (gone or not), and
    ///     each foreign one on a desired key.
    init<Key: Comparable, Object: Hashable & Sendable & CustomStringConvertible>(
        want: [Key: Object], observed: [Key: Object], owns: (Object) -> Bool, gone: (Object) -> Bool,
        mayReplace: (Object) -> Bool, wrap: (Verb<Object>) -> Change, fold: (Object) -> Void
    ) {
        var creates = Pending<Key>()
        var conflicts: [(key: Key, text: String)] = []
        var matchedOwned = 0
        for (key, object) in want {
            // A desired object the contract does not grant (a skipped peer shares its PublicIP
            // or VtepMAC) is never written: the executor would refuse it, and with it the whole
            // plan. What holds its key stays, owned or not.
            guard owns(object) else {
                if let found = observed[key], !gone(found) {
                    if owns(found) { matchedOwned += 1 } else { fold(found) }
                }
                conflicts.append((key, "\(object) is not created: the ownership contract protects it (a skipped peer's)"))
                continue
            }
            guard let found = observed[key], !gone(found) else {
                creates.append(key, wrap(.create(object)))
                continue
            }
            if owns(found) {
                matchedOwned += 1
                if found != object { creates.append(key, wrap(.replace(old: found, new: object))) }
                continue
            }
            fold(found)
            if mayReplace(found) {
                creates.append(key, wrap(.replace(old: found, new: object)))
            } else {
                conflicts.append((key, "\(object) is not created: a foreign object holds its key: \(found)"))
            }
        }

        var ownedLive = 0
        for object in observed.values where owns(object) {
            fold(object)
            if !gone(object) { ownedLive += 1 }
        }
        // Every live owned object whose key is desired was matched above; when they are all of
        // them (a converged plan), nothing is to be deleted and no key needs looking up.
        var deletes = Pending<Key>()
        if ownedLive != matchedOwned {
            for (key, object) in observed where owns(object) && !gone(object) && want[key] == nil {
                deletes.append(key, wrap(.delete(object)))
            }
        }

        self.creates = creates.sortedByKey()
        self.deletes = deletes.sortedByKey()
        self.conflicts = conflicts.sorted { $0.key < $1.key }.map(\.text)
    }
}

/// Changes as the walk finds them, in hash order, with their keys. A change can be a few hundred
/// bytes (a replace holds two objects), so the sort moves (key, position) pairs and the changes
/// are then picked out once, in key order.
private struct Pending<Key: Comparable> {
    private var changes: [Change] = []
    private var keys: [(key: Key, index: Int)] = []

    mutating func append(_ key: Key, _ change: Change) {
        keys.append((key, changes.count))
        changes.append(change)
    }

    func sortedByKey() -> [Change] {
        guard !changes.isEmpty else { return [] }
        var keys = self.keys
        keys.sort { $0.key < $1.key }
        var sorted: [Change] = []
        sorted.reserveCapacity(changes.count)
        for item in keys { sorted.append(changes[item.index]) }
        return sorted
    }
}
