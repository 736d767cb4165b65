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

    /// Whether `other` asks for the same desired state: the same leases, the same records that
    /// did not parse (they decide which peers are skipped and protected) and the same net-conf.
    /// The source and the etcd revision do not count.
    public func programsSame(as other: LeaseSet) -> Bool {
        leases == other.leases && rejected == other.rejected && netConf == other.netConf
    }

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
