import Foundation
@testable import Reconcile
import Testing

struct ReconcileTriggerTests {
    @Test func reasonsPostedBeforeTheWaitAreFoldedIntoOnePass() {
        let trigger = ReconcileTrigger()
        trigger.post(.leases)
        trigger.post(.event)
        trigger.post(.event)
        #expect(trigger.next(deadline: .distantFuture, debounce: 0) == [.leases, .event])
    }

    @Test func theIntervalFiresWhenNothingIsPosted() {
        let trigger = ReconcileTrigger()
        let start = Date()
        #expect(trigger.next(deadline: Date(timeIntervalSinceNow: 0.05), debounce: 0) == [.interval])
        #expect(Date().timeIntervalSince(start) >= 0.04)
    }

    /// A burst of notifications spread over less than the debounce costs one pass.
    @Test func aBurstOfEventsCostsOnePass() {
        let trigger = ReconcileTrigger()
        let poster = Thread {
            for _ in 0..<5 {
                trigger.post(.event)
                Thread.sleep(forTimeInterval: 0.005)
            }
            trigger.post(.resync)
        }
        poster.start()
        let first = trigger.next(deadline: Date(timeIntervalSinceNow: 5), debounce: 0.1)
        #expect(first == [.event, .resync])
        #expect(trigger.next(deadline: Date(timeIntervalSinceNow: 0.02), debounce: 0) == [.interval])
    }

    @Test func stopEndsTheWait() {
        let trigger = ReconcileTrigger()
        let stopper = Thread {
            Thread.sleep(forTimeInterval: 0.02)
            trigger.stop()
        }
        stopper.start()
        #expect(trigger.next(deadline: .distantFuture, debounce: 0) == nil)
        #expect(trigger.isStopped)
    }
}
