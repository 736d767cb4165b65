/// What a running lease source reports, in order.
public enum LeaseSourceEvent: Sendable {
    /// A complete, parsed lease set (it may equal the previous one after a reconnect).
    case leases(LeaseSet)
    /// A failed read; the source retries by itself.
    case failure(LeaseSourceError)
}

/// A source that runs until its task is cancelled, reporting through `report`.
public protocol LeaseSource: Sendable {
    /// Reads the source once: the first set, for `--once` and for startup.
    func read() async throws(LeaseSourceError) -> LeaseSet
    /// Follows the source until cancelled, calling `report` for every new set or failure.
    func follow(_ report: @escaping @Sendable (LeaseSourceEvent) -> Void) async
}
