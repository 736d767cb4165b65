import Apply
import Desired
import Foundation
import LeaseSources
import Logging
import NetState
import Planner

/// A lease change in time independent of the cluster's size: when the source says which
/// leases changed (`LeaseDelta`), the pass plans those peers alone against the last full pass,
/// as targeted drift repair plans the objects notifications named. At 5,000 peers a full pass
/// is a kernel dump and a whole computation (~20 ms); one peer is a few objects planned and one
/// netlink batch. Whatever `IncrementalPeers` cannot vouch for falls back to the full pass.
extension ReconcilePass {
    /// The pass for a lease delta, or nil when this pass must be a full one (then nothing was
    /// changed). Runs when the lease source is among the reasons and a delta is known; kernel
    /// notifications recorded meanwhile are repaired right after, by the targeted pass, against
    /// the basis this one moved on.
    func runLeaseDelta(_ set: LeaseSet, delta: LeaseDelta?, reasons: Set<PassReason>) -> Outcome? {
        guard reasons.contains(.leases), reasons.isSubset(of: [.leases, .event]), !dryRun else { return nil }
        guard let delta, var basis, var incremental = basis.incremental else { return nil }
        // Out of `self` while they change: the desired tables and the index are then uniquely
        // held and change in place, not copied whole.
        self.basis = nil
        basis.incremental = nil
        let clock = ContinuousClock()
        let started = clock.now
        let change: IncrementalPeers.Change
        do {
            change = try incremental.apply(delta, to: &basis.desired)
        } catch {
            logger.debug("lease change needs a full pass", metadata: ["why": "\(error)"])
            metrics.recordTargetedFallback(reason: "leases")
            return nil
        }
        basis.leases = set
        let plan = Planner.plan(desired: change.after, observed: change.before, ownership: basis.ownership)
        if !plan.conflicts.isEmpty {
            logger.debug("lease change meets a foreign object; full pass", metadata: [
                "conflicts": .array(plan.conflicts.map { .string($0) }),
            ])
            metrics.recordTargetedFallback(reason: "conflict")
            return nil
        }
        let outcome: Outcome
        if plan.isEmpty {
            outcome = .unchanged
        } else {
            var metadata = Self.metadata(headline: basis.headline, reasons: reasons, set: set, plan: plan, scope: .peers)
            let report: ApplyReport
            do {
                report = Applier().apply(plan, using: try applySocket(), tables: KernelNftApplier(), deviceConf: KernelDeviceConf())
            } catch {
                logger.warning("lease change cannot open the netlink socket; full pass: \(error)", metadata: metadata)
                metrics.recordTargetedFallback(reason: "apply")
                return nil
            }
            metrics.recordApplied(report.applied + report.appliedAfterFailure)
            guard report.isComplete else {
                metadata["failure"] = "\(Self.failureText(report))"
                logger.warning("lease change failed part-way; full pass: \(Self.failureText(report))", metadata: metadata)
                metrics.recordTargetedFallback(reason: "apply")
                close()
                return nil
            }
            metadata["duration_ms"] = "\(Self.milliseconds(clock.now - started))"
            metadata["peers"] = "\(change.peers)"
            let counts = plan.summary
            logger.notice(
                "leases applied: \(counts.add) added, \(counts.change) changed, \(counts.destroy) destroyed", metadata: metadata
            )
            outcome = .changed
        }
        filter.apply(removing: change.before, adding: change.after)
        basis.incremental = incremental
        self.basis = basis
        guard reasons.contains(.event) else { return outcome }
        // Notifications that arrived meanwhile: repaired against the basis just moved on, or
        // by the full pass that follows when they cannot be.
        guard let targeted = runTargeted(set, reasons: [.event]) else { return nil }
        return targeted == .unchanged ? outcome : targeted
    }
}
