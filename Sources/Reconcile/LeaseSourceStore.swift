import Foundation
import LeaseSources
import Logging

/// The last good lease set. A new set replaces it only when `LeaseSafety` allows; a failed read
/// changes nothing, so an outage never deletes anything.
public final class LeaseSourceStore: @unchecked Sendable {
    private let lock = NSLock()
    private var set: LeaseSet?
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
        case .leases(let candidate):
            lock.lock()
            let previous = set
            if let refusal = LeaseSafety.refusal(of: candidate, previous: previous) {
                let repeated = lastFailure == refusal.description
                lastFailure = refusal.description
                lock.unlock()
                metrics.recordLeaseSourceError(reason: refusal.kind.rawValue)
                if !repeated { logger.error("lease set refused", metadata: ["source": "\(refusal.source)", "reason": "\(refusal.message)"]) }
                return false
            }
            let recovered = lastFailure != nil
            lastFailure = nil
            set = candidate
            lock.unlock()
            metrics.recordLeaseSet(count: candidate.leases.count)
            if recovered {
                logger.notice("lease source recovered", metadata: ["source": "\(candidate.source)", "leases": "\(candidate.leases.count)"])
            }
            let changed = previous.map { !$0.programsSame(as: candidate) } ?? true
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
}
