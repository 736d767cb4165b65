import Desired
import Foundation
import LeaseSources
import Logging

/// The last good lease set. A new set replaces it only when `LeaseSafety` allows; a failed read
/// changes nothing, so an outage never deletes anything.
///
/// It also folds the deltas sources report (`.update`) until a pass takes them, so a pass knows
/// which peers changed since the set it last planned; a whole set (`.leases`) that differs
/// makes the change unknown, and the next pass a full one.
public final class LeaseSourceStore: @unchecked Sendable {
    private let lock = NSLock()
    private var set: LeaseSet?
    /// What changed since the last `takeChanges()`; nil when unknown.
    private var pending: LeaseDelta? = nil
    private var lastFailure: String?
    private let logger: Logger
    private let metrics: ReconcileMetrics

    public init(logger: Logger, metrics: ReconcileMetrics) {
        self.logger = logger
        self.metrics = metrics
    }

    var current: LeaseSet? {
        lock.lock(); defer { lock.unlock() }
        return set
    }

    /// Takes what the source reported. Returns true when the programmed set changed (a pass is due).
    @discardableResult
    public func take(_ event: LeaseSourceEvent) -> Bool {
        switch event {
        case .update(let candidate, let delta):
            // A delta means something only against a set this store holds.
            guard let previous = current else { return take(.leases(candidate)) }
            if let refusal = LeaseSafety.refusal(of: candidate, previous: previous) {
                return refuse(refusal)
            }
            accept(candidate) { $0?.merge(delta) }
            if !delta.isEmpty {
                logger.info("leases changed", metadata: [
                    "source": "\(candidate.source)", "leases": "\(candidate.leases.count)", "changed": "\(delta.count)",
                    "revision": "\(candidate.revision.map(String.init) ?? "-")",
                ])
            }
            return !delta.isEmpty
        case .leases(let candidate):
            lock.lock()
            let previous = set
            lock.unlock()
            if let refusal = LeaseSafety.refusal(of: candidate, previous: previous) {
                return refuse(refusal)
            }
            let changed = previous.map { !$0.programsSame(as: candidate) } ?? true
            accept(candidate) { if changed { $0 = nil } }
            if changed && previous != nil {
                logger.info("lease set changed", metadata: [
                    "source": "\(candidate.source)", "leases": "\(candidate.leases.count)",
                    "revision": "\(candidate.revision.map(String.init) ?? "-")",
                ])
            }
            return changed
        case .failure(let error):
            lock.lock()
            let repeated = lastFailure == error.description
            lastFailure = error.description
            let kept = set?.leases.count
            lock.unlock()
            metrics.recordLeaseSourceError(reason: error.kind == .unreachable ? "unreachable" : error.kind == .refused ? "refused" : "invalid")
            // Logged when the failure changes; a retry loop against a dead etcd does not flood the log.
            if !repeated {
                logger.error("lease source failed; keeping the last good lease set", metadata: [
                    "source": "\(error.source)", "error": "\(error.message)",
                    "kept_leases": "\(kept.map(String.init) ?? "none yet")",
                ])
            }
            return false
        }
    }

    /// The current set and what changed since the last call (nil: unknown, plan everything);
    /// nil before any set. Every pass takes this, so the next delta starts from the set this
    /// pass planned.
    func takeChanges() -> (set: LeaseSet, delta: LeaseDelta?)? {
        lock.lock(); defer { lock.unlock() }
        guard let set else { return nil }
        let delta = pending
        pending = LeaseDelta()
        return (set, delta)
    }

    /// Marks the changes unknown: the next pass plans everything (its basis is gone).
    func forgetChanges() {
        lock.lock(); defer { lock.unlock() }
        pending = nil
    }

    /// Takes `candidate` as the set, changing the pending delta under the same lock; counts it,
    /// and says when the source is back after a failure.
    private func accept(_ candidate: LeaseSet, pending change: (inout LeaseDelta?) -> Void) {
        lock.lock()
        let recovered = lastFailure != nil
        lastFailure = nil
        set = candidate
        change(&pending)
        lock.unlock()
        metrics.recordLeaseSet(count: candidate.leases.count)
        if recovered {
            logger.notice("lease source recovered", metadata: ["source": "\(candidate.source)", "leases": "\(candidate.leases.count)"])
        }
    }

    private func refuse(_ refusal: LeaseSourceError) -> Bool {
        lock.lock()
        // The source moved on to a set this store did not take: later deltas are against it.
        pending = nil
        let repeated = lastFailure == refusal.description
        lastFailure = refusal.description
        lock.unlock()
        metrics.recordLeaseSourceError(reason: refusal.kind.rawValue)
        if !repeated { logger.error("lease set refused", metadata: ["source": "\(refusal.source)", "reason": "\(refusal.message)"]) }
        return false
    }
}
