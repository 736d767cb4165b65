import Desired

/// The records under `<prefix>/subnets/` as the last list and the watch events since left them,
/// so an event costs a parse of its own record and a comparison, not a list of the whole prefix.
///
/// `leases` and `rejected` are kept in the order a fresh list gives them (etcd returns keys
/// sorted bytewise), so the set reported after an event is the set a list at that revision would
/// read, element for element, and a full pass after a re-list computes the same thing. A record
/// is found by binary search on its key; an event changes the arrays in place (one array copy
/// when the previous set is still held by the agent, copy-on-write).
package struct EtcdLeaseCache {
    /// What applying an event batch calls for.
    package enum Outcome: Equatable {
        /// Nothing the agent programs changed (an identical PUT, a DELETE of an unknown key, a
        /// key outside the prefix).
        case unchanged
        /// Only parsed leases changed: the agent may plan just these keys.
        case update(LeaseDelta)
        /// A record that did not parse appeared, changed or went away: the whole set is reported
        /// (the agent runs a full pass, which reports skipped peers).
        case leases
        /// The cache cannot follow this event (a key that is not UTF-8, a list whose keys were
        /// not in order): list again.
        case relist(String)
    }

    /// One event of a watch message.
    package struct Event: Equatable {
        package enum Kind: Equatable { case put, delete }
        package var kind: Kind
        package var key: [UInt8]
        /// The value as the gateway prints it (base64 text); nil when absent (an empty value).
        package var base64Value: String?
        package var modRevision: Int64?
    }

    /// The most records the watch may grow the cache to; past it, a list (whose answer is capped
    /// at 32 MiB) decides. Twenty times flannel's largest clusters: a store that really holds
    /// more is followed by listing on every new key, as before the cache existed.
    static let maxRecords = 200_000

    /// `<prefix>/subnets/`: keys outside it are ignored.
    let subnetsPrefix: [UInt8]
    /// Names the records in their errors, as the list names them.
    let recordSource: String
    package private(set) var leases: [Lease]
    package private(set) var rejected: [RejectedLease]
    /// False when the list's keys were not strictly increasing bytewise (keys that are not
    /// UTF-8 decode to replacement characters): binary search would be wrong, so every event
    /// asks for a list, as before this cache existed.
    let ordered: Bool

    package init(subnetsPrefix: [UInt8], recordSource: String, leases: [Lease], rejected: [RejectedLease]) {
        self.subnetsPrefix = subnetsPrefix
        self.recordSource = recordSource
        self.leases = leases
        self.rejected = rejected
        ordered = Self.isStrictlyIncreasing(leases.lazy.map(\.key)) && Self.isStrictlyIncreasing(rejected.lazy.map(\.key))
    }

    private static func isStrictlyIncreasing(_ keys: some Sequence<String>) -> Bool {
        var previous: String?
        for key in keys {
            if let previous, !Self.precedes(previous, key) { return false }
            previous = key
        }
        return true
    }

    /// etcd's key order: bytewise.
    static func precedes(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// The index of `key` in `keys`, or where it would go.
    private static func search<C: RandomAccessCollection>(_ key: String, in elements: C, key keyOf: (C.Element) -> String) -> (index: C.Index, found: Bool) {
        var low = elements.startIndex
        var high = elements.endIndex
        while low < high {
            let middle = elements.index(low, offsetBy: elements.distance(from: low, to: high) / 2)
            let candidate = keyOf(elements[middle])
            if precedes(candidate, key) {
                low = elements.index(after: middle)
            } else if candidate == key {
                return (middle, true)
            } else {
                high = middle
            }
        }
        return (low, false)
    }

    /// Applies one message's events in order.
    package mutating func apply(_ events: [Event]) -> Outcome {
        var delta = LeaseDelta()
        var rejectedChanged = false
        for event in events {
            // A list is capped (`maxRangeBody`); so is what the watch may add on top of one.
            guard leases.count + rejected.count < Self.maxRecords else {
                return .relist("the watch grew the cache to \(Self.maxRecords) records; listing again")
            }
            guard event.key.starts(with: subnetsPrefix) else { continue }
            guard let key = String(validating: event.key, as: UTF8.self) else {
                return .relist("a watch event for a key that is not UTF-8 (\(event.key.count) bytes)")
            }
            guard ordered else { return .relist("the listed keys were not in etcd's order") }
            let record: EtcdRecord?
            switch event.kind {
            case .put:
                // A key without /subnets/ past the prefix cannot be (the prefix holds it); nil only
                // for a hostile prefix, and such a key is ignored as the list ignores it.
                guard let parsed = LeaseReader.etcdRecord(key: key, base64Value: event.base64Value, source: recordSource) else { continue }
                record = parsed
            case .delete:
                record = nil
            }
            let leaseAt = Self.search(key, in: leases) { $0.key }
            let rejectedAt = Self.search(key, in: rejected) { $0.key }
            let old: EtcdRecord? = leaseAt.found ? .lease(leases[leaseAt.index]) : rejectedAt.found ? .rejected(rejected[rejectedAt.index]) : nil
            if old == record { continue }
            // The common case, a lease that changed: in place.
            if case .lease? = old, case .lease(let lease)? = record {
                leases[leaseAt.index] = lease
                delta.record(key, lease)
                continue
            }
            // Out with the old record…
            switch old {
            case .lease?:
                leases.remove(at: leaseAt.index)
                delta.record(key, nil)
            case .rejected?:
                rejected.remove(at: rejectedAt.index)
                rejectedChanged = true
            case nil:
                break
            }
            // …in with the new one, where a list would put it.
            switch record {
            case .lease(let lease)?:
                leases.insert(lease, at: leaseAt.index)
                delta.record(key, lease)
            case .rejected(let record)?:
                rejected.insert(record, at: rejectedAt.index)
                rejectedChanged = true
            case nil:
                break
            }
        }
        if rejectedChanged { return .leases }
        return delta.isEmpty ? .unchanged : .update(delta)
    }
}
