import NetState

/// One kind of keyed object (FDB entries, neighbours or routes) diffed against what was
/// observed, with the changes sorted by key as the plan lists them.
///
/// Both tables are sorted by key, so the diff is one merge walk over the two: each object is
/// visited once, no key is hashed or looked up, and the changes come out already in key order.
/// At 50,000 peers this replaced a hash probe per desired key (and, before that, sorting both
/// key sets).
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
    init<Object: KeyedObject & CustomStringConvertible>(
        want: KeyedTable<Object>, observed: KeyedTable<Object>, owns: (Object) -> Bool, gone: (Object) -> Bool,
        mayReplace: (Object) -> Bool, wrap: (Verb<Object>) -> Change, fold: (Object) -> Void
    ) {
        let observed = observed.values
        var next = observed.startIndex
        /// An observed object no desired object has the key of: folded when owned, and deleted
        /// when owned and live.
        func unmatched(_ object: Object) {
            guard owns(object) else { return }
            fold(object)
            if !gone(object) { deletes.append(wrap(.delete(object))) }
        }
        for object in want.values {
            let key = object.key
            while next < observed.endIndex && observed[next].key < key {
                unmatched(observed[next])
                next += 1
            }
            var found: Object?
            if next < observed.endIndex && observed[next].key == key {
                found = observed[next]
                next += 1
            }
            let foundOwned = found.map(owns) ?? false
            // Every owned observed object is part of the plan's basis, gone or not.
            if let found, foundOwned { fold(found) }
            // A desired object the contract does not grant (a skipped peer shares its PublicIP
            // or VtepMAC) is never written: the executor would refuse it, and with it the whole
            // plan. What holds its key stays, owned or not.
            guard owns(object) else {
                if let found, !gone(found), !foundOwned { fold(found) }
                conflicts.append("\(object) is not created: the ownership contract protects it (a skipped peer's)")
                continue
            }
            guard let found, !gone(found) else {
                creates.append(wrap(.create(object)))
                continue
            }
            if foundOwned {
                if found != object { creates.append(wrap(.replace(old: found, new: object))) }
                continue
            }
            fold(found)
            if mayReplace(found) {
                creates.append(wrap(.replace(old: found, new: object)))
            } else {
                conflicts.append("\(object) is not created: a foreign object holds its key: \(found)")
            }
        }
        while next < observed.endIndex {
            unmatched(observed[next])
            next += 1
        }
    }
}
