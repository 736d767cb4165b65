import Netlink
import Planner

/// One change the kernel refused (or that could not be sent), with the kernel's words.
public struct ApplyFailure: Error, Hashable, Sendable, CustomStringConvertible {
    public var change: Change
    /// errno, the extended-ack text and the request's label (`RTM_NEWROUTE 10.244.1.0/24 …`).
    public var error: NetlinkError

    public init(change: Change, error: NetlinkError) {
        self.change = change
        self.error = error
    }

    public var description: String { "\(change): \(error)" }
}

/// What `Applier.apply` did, change by change, in plan order: what the kernel took, where it
/// stopped and why, and what was left alone. Never "half a plan silently".
public struct ApplyReport: Hashable, Sendable {
    /// Changes the kernel acknowledged, in plan order, up to the failure. Includes the
    /// `alreadyConverged` ones.
    public var applied: [Change] = []
    /// Changes in `applied` whose request the kernel answered "already so": `EEXIST` on a create,
    /// `ENOENT`/`ESRCH`/`ENODEV`/`EADDRNOTAVAIL` on a delete, or a delete whose device is gone
    /// (its objects went with it).
    public var alreadyConverged: [Change] = []
    /// The first change that failed, in plan order.
    public var failure: ApplyFailure?
    /// Changes after the failure that the kernel applied anyway: they were in the same
    /// `sendmsg` as the failed one, and rtnetlink processes every message of a datagram whatever
    /// happened to the one before. Empty unless `failure` is set; bounded by the batch size.
    public var appliedAfterFailure: [Change] = []
    /// Changes after the failure, in the same `sendmsg`, that failed too (or whose answer was
    /// lost, state unknown).
    public var failedAfterFailure: [ApplyFailure] = []
    /// Changes never sent: everything after the failure's batch.
    public var notAttempted: [Change] = []
    /// `.table` changes left out because no nf_tables applier was given.
    public var unsupported: [Change] = []
    /// `sendmsg` calls made for changes (the index dumps not counted), to show batching.
    public var requestBatches: Int = 0

    public init() {}

    /// Every change was applied (or already so).
    public var isComplete: Bool {
        failure == nil && notAttempted.isEmpty && unsupported.isEmpty && failedAfterFailure.isEmpty
    }
}
