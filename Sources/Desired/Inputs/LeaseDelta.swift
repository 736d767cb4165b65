/// What changed in a lease source since the set it last reported, lease key by lease key (the
/// etcd key, or `node/<name>`). A live source that follows its store event by event (etcd's
/// watch, the Kubernetes API's) reports these with the new set, so the agent can plan just the
/// peers that changed instead of computing the whole cluster again.
///
/// Only changes a lease's fields make count: a source compares before it reports, so a node
/// whose kubelet heartbeat moved its `resourceVersion` and nothing else is no change at all.
public struct LeaseDelta: Sendable, Equatable {
    /// Keys whose lease is new or changed, with the lease now under the key.
    public private(set) var upserted: [String: Lease] = [:]
    /// Keys whose lease went away (or stopped being a lease flannel manages).
    public private(set) var removed: Set<String> = []

    public init() {}

    public var isEmpty: Bool { upserted.isEmpty && removed.isEmpty }
    /// How many keys changed.
    public var count: Int { upserted.count + removed.count }

    /// Records that `key` now holds `lease` (nil: the key went away). A later record of the
    /// same key replaces an earlier one.
    public mutating func record(_ key: String, _ lease: Lease?) {
        if let lease {
            removed.remove(key)
            upserted[key] = lease
        } else {
            upserted.removeValue(forKey: key)
            removed.insert(key)
        }
    }

    /// Folds in the changes reported after these.
    public mutating func merge(_ later: LeaseDelta) {
        for key in later.removed { record(key, nil) }
        for (key, lease) in later.upserted { record(key, lease) }
    }
}
