import Desired
import Foundation
import NetState

extension ClusterInputs {
    /// The inputs of one reconcile pass: the flags as every command reads them, but the leases
    /// (and, from etcd, the net-conf) come from the live source instead of a file read once.
    ///
    /// `ClusterInputs.init(_:)` reads `--leases` and `--net-conf` from disk; the agent reads
    /// them through its lease source and shares only the flag parsing (`NodeFlags`).
    init(reconcile flags: InputOptions, netConf: NetConf, leases: [Lease], rejected: [RejectedLease], leaseSource: String) throws {
        self.netConf = netConf
        self.leases = leases
        self.rejected = rejected
        self.leaseSource = leaseSource
        let parsed = try NodeFlags(flags)
        selector = parsed.selector
        options = parsed.options
        onLinkNetworks = parsed.onLinkNetworks
    }
}
