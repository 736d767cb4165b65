/// What a live source tells the agent's metrics about its own work, beyond the sets it reports:
/// how often it had to list or watch again and why, what its event stream carried, and how
/// many objects it holds. Implemented by the agent's metrics; every call is cheap (a counter),
/// since an API source calls `event` for every node heartbeat in the cluster.
public protocol LeaseSourceMonitor: Sendable {
    /// A list or watch started again, with why: `timeout` (the server or our own age limit
    /// ended a watch), `expired` (410: the resourceVersion is too old), `error` (a failure).
    func restarted(_ request: LeaseSourceRequest, reason: LeaseSourceRestart)
    /// One event of the stream (the API's `ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK`, `ERROR`;
    /// etcd's `PUT`, `DELETE`), and whether it changed a lease.
    func event(_ type: LeaseSourceEventType, relevant: Bool)
    /// The objects the source holds after a list or an event (nodes, etcd records).
    func cached(_ count: Int)
    /// A list succeeded.
    func listed()
}

public enum LeaseSourceRequest: String, Sendable, CaseIterable {
    case list
    case watch
}

public enum LeaseSourceRestart: String, Sendable, CaseIterable {
    case timeout
    case expired
    case error
}

public enum LeaseSourceEventType: String, Sendable, CaseIterable {
    case added = "ADDED"
    case modified = "MODIFIED"
    case deleted = "DELETED"
    case bookmark = "BOOKMARK"
    case error = "ERROR"
    /// etcd's two event types.
    case put = "PUT"
    case delete = "DELETE"
}
