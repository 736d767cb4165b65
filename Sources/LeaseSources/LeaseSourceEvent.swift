import Desired

/// What a running lease source reports, in order.
public enum LeaseSourceEvent: Sendable {
    /// A complete, parsed lease set (it may equal the previous one after a reconnect).
    case leases(LeaseSet)
    /// The set after `delta` changed the set reported before it: the agent may plan just the
    /// changed peers. A source reports `.leases` instead whenever it cannot vouch for the delta
    /// (the first list, a re-list, a record that stopped or started parsing, a new net-conf).
    case update(LeaseSet, LeaseDelta)
    /// A failed read; the source retries by itself.
    case failure(LeaseSourceError)
}
