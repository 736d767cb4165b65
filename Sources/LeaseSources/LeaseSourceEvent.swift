/// What a running lease source reports, in order.
public enum LeaseSourceEvent: Sendable {
    /// A complete, parsed lease set (it may equal the previous one after a reconnect).
    case leases(LeaseSet)
    /// A failed read; the source retries by itself.
    case failure(LeaseSourceError)
}
