import Desired

/// One consistent reading of a lease source: the leases and, when the source holds it (etcd's
/// `<prefix>/config`), the network configuration.
public struct LeaseSet: Sendable, Equatable {
    public var leases: [Lease]
    /// Records that did not parse: their peers are skipped and reported, the others served.
    public var rejected: [RejectedLease]
    /// The net-conf read from the source, when it has one and `--net-conf` was not given.
    public var netConf: NetConf?
    /// Where the set came from, for messages: a file path or `etcd://host:port/prefix`.
    public var source: String
    /// The etcd revision the set was read at; nil for files.
    public var revision: Int64?

    public init(
        leases: [Lease], rejected: [RejectedLease] = [], netConf: NetConf? = nil, source: String, revision: Int64? = nil
    ) {
        self.leases = leases
        self.rejected = rejected
        self.netConf = netConf
        self.source = source
        self.revision = revision
    }
}
