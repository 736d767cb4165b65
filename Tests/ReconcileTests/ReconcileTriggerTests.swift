import Foundation
@testable import NetplanCLI
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

    @Test func durations() {
        #expect(ReconcileDuration.parse("30s") == 30)
        #expect(ReconcileDuration.parse("500ms") == 0.5)
        #expect(ReconcileDuration.parse("5m") == 300)
        #expect(ReconcileDuration.parse("1h") == 3600)
        #expect(ReconcileDuration.parse("12") == 12)
        for bad in ["", "s", "-3s", "0", "fast", "1d"] { #expect(ReconcileDuration.parse(bad) == nil, "\(bad)") }
        #expect(ReconcileDuration.parse("24h") == 86_400)
        #expect(ReconcileDuration.parse("1ms") == 0.001)
        // `Double` reads all of these; none is a period an agent can run on.
        for bad in ["inf", "infs", "nan", "nanms", "-inf", "0s", "0.0001ms", "1e-300", "1e300s", "25h", "86401", "0x1p4", "+5s", " 5s"] {
            #expect(ReconcileDuration.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func metricsAddresses() throws {
        #expect(try ReconcileCommand.hostPort("127.0.0.1:9464") == ("127.0.0.1", 9464))
        #expect(try ReconcileCommand.hostPort("[::1]:9464") == ("::1", 9464))
        #expect(try ReconcileCommand.hostPort(":9464") == ("0.0.0.0", 9464))
        #expect(throws: (any Error).self) { try ReconcileCommand.hostPort("localhost") }
        #expect(throws: (any Error).self) { try ReconcileCommand.hostPort("h:70000") }
    }
}
