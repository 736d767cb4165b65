/// A live source of leases for the agent: a watched file, etcd, or (next) the Kubernetes API.
/// It says nothing about its transport, so the agent drives every kind the same way: `read`
/// once, or `follow` until cancelled, then `shutdown`.
public protocol LeaseSource: Sendable {
    /// Reads the source once: the first set, for `--once` and for startup.
    func read() async throws(LeaseSourceError) -> LeaseSet
    /// Follows the source until cancelled, calling `report` for every new set or failure.
    func follow(_ report: @escaping @Sendable (LeaseSourceEvent) -> Void) async
    /// Releases what the source holds (connections, clients). Called once, after the last
    /// `read` or `follow` has returned; a source that holds nothing does nothing.
    func shutdown() async
}
