import Foundation

/// Why a pass runs. Several reasons may be folded into one pass.
public enum PassReason: String, Sendable, Hashable, CaseIterable, Comparable {
    case start
    case interval
    case leases
    /// A kernel notification about an owned object.
    case event
    /// The event socket overflowed: notifications were lost.
    case resync

    public static func < (lhs: PassReason, rhs: PassReason) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The mailbox between the event thread, the lease source and the reconcile thread: reasons
/// accumulate while a pass runs, so a burst of events costs one more pass, not one each.
public final class ReconcileTrigger: @unchecked Sendable {
    private let condition = NSCondition()
    private var pending: Set<PassReason> = []
    private var stopped = false

    public init() {}

    public func post(_ reason: PassReason) {
        condition.lock()
        pending.insert(reason)
        condition.signal()
        condition.unlock()
    }

    /// Asks the loop to end after the pass in progress, if any.
    public func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    var isStopped: Bool {
        condition.lock(); defer { condition.unlock() }
        return stopped
    }

    /// Waits until a reason is posted, `deadline` passes (returns `[.interval]`), or `stop()`
    /// (returns nil). A wake-up for events alone then lingers `debounce` so the rest of the
    /// burst (a deleted device takes its routes, neighbours and FDB entries with it) joins.
    func next(deadline: Date, debounce: TimeInterval) -> Set<PassReason>? {
        // Foundation's NSCondition traps on deadlines past what a timespec holds (distantFuture).
        let deadline = min(deadline, Date(timeIntervalSinceNow: 365 * 86_400))
        condition.lock()
        defer { condition.unlock() }
        while pending.isEmpty && !stopped {
            if !condition.wait(until: deadline) { break }
        }
        if stopped { return nil }
        if pending.isEmpty { return [.interval] }
        if pending == [.event] && debounce > 0 {
            let settle = Date(timeIntervalSinceNow: debounce)
            while !stopped, condition.wait(until: settle) {}
            if stopped { return nil }
        }
        let reasons = pending
        pending.removeAll()
        return reasons
    }
}
