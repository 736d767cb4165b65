import Apply
import Foundation
import LeaseSources
import Logging
import NetState
import Netlink
import Planner

/// Drift repair in time independent of the cluster's size: a pass woken only by notifications
/// about a few owned objects plans those objects alone, against what the last full pass
/// computed, instead of dumping and computing everything again. Anything it cannot vouch for
/// falls back to the full pass, and the periodic pass stays full, so what this path could miss
/// is still caught.
extension ReconcilePass {
    /// Keeps a successful full pass as the basis of targeted ones. A dry run changed nothing
    /// (the kernel does not match its plan), and a conflict leaves a wanted object missing: no
    /// basis then.
    func keep(_ candidate: TargetedRepairBasis, conflicts: [String]) {
        guard !dryRun, conflicts.isEmpty else { return }
        var kept = candidate
        kept.devices = []
        for (link, family) in [(candidate.desired.vxlan, AddressFamily.inet), (candidate.desired.vxlan6, .inet6)] {
            guard let name = link?.name else { continue }
            guard let index = NetworkInterface.index(named: name) else { return }
            kept.devices.append(TargetedDevice(index: index, name: name, family: family))
        }
        basis = kept
        ledger.setDevices(kept.devices)
    }

    /// The targeted pass, or nil when this pass must be a full one (then nothing was changed).
    func runTargeted(_ set: LeaseSet, reasons: Set<PassReason>) -> Outcome? {
        guard reasons == [.event], !dryRun, var basis else { return nil }
        // The desired state depends on the leases, the broken records and the net-conf only: an
        // etcd re-read at a new revision with the same leases keeps the basis (and, kept with
        // the new storage, the next comparison is an identity check again).
        guard basis.leases.programsSame(as: set) else { return nil }
        if basis.leases != set {
            basis.leases = set
            self.basis = basis
        }
        let clock = ContinuousClock()
        let started = clock.now
        let (drift, devices) = ledger.take()
        if let why = Self.fallbackReason(drift, recordedAgainst: devices, basis: basis) {
            logger.debug("targeted repair not possible; full pass", metadata: ["why": "\(why)"])
            metrics.recordTargetedFallback(reason: "link")
            return nil
        }
        let plan = basis.plan(for: drift)
        if !plan.conflicts.isEmpty {
            logger.debug("targeted repair meets a foreign object; full pass", metadata: [
                "conflicts": .array(plan.conflicts.map { .string($0) }),
            ])
            metrics.recordTargetedFallback(reason: "conflict")
            return nil
        }
        if plan.isEmpty {
            logger.trace("no drift", metadata: [
                "reasons": "\(Self.words(reasons))", "scope": "\(PassScope.targeted.rawValue)", "keys": "\(drift.keyCount)",
            ])
            return .unchanged
        }
        metrics.recordDrift(source: "pass")
        var metadata = Self.metadata(headline: basis.headline, reasons: reasons, set: set, plan: plan, scope: .targeted)
        let report: ApplyReport
        do {
            report = Applier().apply(plan, using: try applySocket(), tables: KernelNftApplier(), deviceConf: KernelDeviceConf())
        } catch {
            logger.warning("targeted repair cannot open the netlink socket; full pass: \(error)", metadata: metadata)
            metrics.recordTargetedFallback(reason: "apply")
            self.basis = nil
            return nil
        }
        metrics.recordApplied(report.applied + report.appliedAfterFailure)
        guard report.isComplete else {
            let failure = Self.failureText(report)
            metadata["failure"] = "\(failure)"
            logger.warning("targeted repair failed; full pass: \(failure)", metadata: metadata)
            metrics.recordTargetedFallback(reason: "apply")
            // The socket may hold stale replies after a failure, and the kernel no longer
            // matches the basis: the full pass starts from scratch.
            close()
            self.basis = nil
            return nil
        }
        metadata["duration_ms"] = "\(Self.milliseconds(clock.now - started))"
        let counts = plan.summary
        logger.notice("repaired: \(counts.add) added, \(counts.change) changed, \(counts.destroy) destroyed", metadata: metadata)
        return .changed
    }

    /// Why what was recorded cannot be planned on its own; nil when it can.
    static func fallbackReason(_ drift: TargetedDrift, recordedAgainst devices: [TargetedDevice], basis: TargetedRepairBasis) -> String? {
        if let why = drift.fullPassReason { return why }
        guard devices == basis.devices else { return "a vxlan device changed since the last full pass" }
        for device in basis.devices where NetworkInterface.index(named: device.name) != device.index {
            return "\(device.name) is not ifindex \(device.index) any more"
        }
        return nil
    }
}
