import Desired
import LeaseSources
import NetState
import Planner

/// What the last successful full pass computed, kept so that drift of a few objects can be
/// planned against it without observing and computing everything again.
///
/// Valid only while the kernel matched `desired` after that pass (it ended unchanged, or with
/// every change applied and no conflict) and for the lease set it was computed from.
struct TargetedRepairBasis: Sendable {
    /// The set the desired state was computed from. Compared with `==`, which for an unchanged
    /// store is the same array storage and costs next to nothing.
    var leases: LeaseSet
    var desired: NetworkState
    var ownership: Ownership
    /// The node's headline, for the log line.
    var headline: String
    /// The vxlan devices the pass left (none when none is desired).
    var devices: [TargetedDevice] = []
    /// What plans a lease delta peer by peer against `desired` (`ReconcilePass+LeaseDelta`).
    var incremental: IncrementalPeers?

    /// The two small states a targeted plan is made of: for every key the notifications
    /// touched, the desired object (if any) and the announced one (if present), and on both
    /// sides the desired device, which the full pass left in place. The planner then plans
    /// those keys exactly as it would inside a full plan; keys untouched are not in either
    /// state and so cost nothing.
    func states(for drift: TargetedDrift) -> (desired: NetworkState, observed: NetworkState) {
        var want = NetworkState(vxlan: desired.vxlan, vxlan6: desired.vxlan6)
        var have = NetworkState(vxlan: desired.vxlan, vxlan6: desired.vxlan6)
        for (key, announced) in drift.routes {
            if let route = desired.routes[key] { want.routes[key] = route }
            if let route = announced.value { have.routes[key] = route }
        }
        for (key, announced) in drift.neighbors {
            if let neighbor = desired.neighbors[key] { want.neighbors[key] = neighbor }
            if let neighbor = announced.value { have.neighbors[key] = neighbor }
        }
        for (key, announced) in drift.fdb {
            if let entry = desired.fdb[key] { want.fdb[key] = entry }
            if let entry = announced.value { have.fdb[key] = entry }
        }
        return (want, have)
    }

    /// The plan for the touched keys alone.
    func plan(for drift: TargetedDrift) -> Plan {
        let (want, have) = states(for: drift)
        return Planner.plan(desired: want, observed: have, ownership: ownership)
    }
}
