import Foundation
@testable import NetplanCLI
import Testing

/// `reconcile`'s own flags, which the command parses (the agent takes the values).
struct ReconcileFlagTests {
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
