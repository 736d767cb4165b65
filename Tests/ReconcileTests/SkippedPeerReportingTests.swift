import Desired
import NetState
@testable import Reconcile
import Testing

struct SkippedPeerReportingTests {
    static func peer(_ third: Int, _ reason: SkippedPeer.Reason = .invalidPublicIP, message: String? = nil) -> SkippedPeer {
        SkippedPeer(
            key: "/coreos.com/network/subnets/10.244.\(third).0-24", reason: reason,
            message: message ?? "PublicIP: 127.0.0.1 is in 127.0.0.0/8 (loopback)", source: "leases.json",
            subnet: IPPrefix("10.244.\(third).0/24"), publicIP: nil, vtepMAC: nil
        )
    }

    @Test func eachPeerIsReportedOncePerChange() {
        var tracker = SkippedPeerTracker()
        let first = tracker.update([Self.peer(5), Self.peer(3)])
        #expect(first.skipped.map(\.key) == [Self.peer(3).key, Self.peer(5).key])
        #expect(first.cleared.isEmpty)
        #expect(tracker.update([Self.peer(3), Self.peer(5)]).isEmpty, "the same problems: nothing to log")
        let changed = tracker.update([Self.peer(3, .duplicatePublicIP, message: "PublicIP: 172.22.0.5 is also …"), Self.peer(5)])
        #expect(changed.skipped.map(\.reason) == [.duplicatePublicIP])
        #expect(changed.cleared.isEmpty)
        let reworded = tracker.update([Self.peer(3, .duplicatePublicIP, message: "other words"), Self.peer(5)])
        #expect(reworded.skipped.map(\.message) == ["other words"])
        let fixed = tracker.update([Self.peer(5)])
        #expect(fixed.skipped.isEmpty)
        #expect(fixed.cleared.map(\.key) == [Self.peer(3).key])
        #expect(tracker.update([]).cleared.map(\.key) == [Self.peer(5).key])
        #expect(tracker.update([]).isEmpty)
    }

    @Test func aKeyReportedTwiceCountsOnce() {
        let unique = SkippedPeerTracker.unique([Self.peer(3), Self.peer(3, .vniMismatch)])
        #expect(unique.count == 1 && unique[0].reason == .invalidPublicIP)
    }

    @Test func healthIsOkDegradedAndNamesThePeers() {
        let health = ReconcileHealth()
        #expect(health.report() == HealthReport(healthy: false, body: "no pass yet: waiting for the lease source\n"))
        health.record(.unchanged)
        #expect(health.report() == HealthReport(healthy: true, body: "ok\n"))
        health.recordSkipped([Self.peer(3)])
        #expect(health.report() == HealthReport(healthy: true, body: """
            ok: degraded: 1 peer skipped
            skipped: /coreos.com/network/subnets/10.244.3.0-24: PublicIP: 127.0.0.1 is in 127.0.0.0/8 (loopback)

            """))
        // A targeted pass records its outcome only: the skipped peers stay.
        health.record(.changed)
        #expect(health.report().body.hasPrefix("ok: degraded: 1 peer skipped\n"))
        health.record(.failed("boom"))
        #expect(health.report() == HealthReport(healthy: false, body: "last pass failed: boom\n"))
        health.record(.unchanged)
        health.recordSkipped([])
        #expect(health.report().body == "ok\n")
    }

    @Test func aThousandBadLeasesMakeAShortBody() {
        let peers = (0..<1000).map { Self.peer($0 % 250, message: "bad\nline \($0)") }
        let body = ReconcileHealth.body(skipped: peers)
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first == "ok: degraded: 1000 peers skipped")
        #expect(lines.count == 1 + 20 + 1 + 1, "headline, 20 peers, the rest counted, the final newline")
        #expect(lines[21] == "… 980 more")
        #expect(lines[1].hasSuffix("bad line 0"), "a message is one line")
        #expect(body.utf8.count < 4096)
    }

    @Test func theGaugeCountsEveryReason() {
        let metrics = ReconcileMetrics()
        func value(_ reason: SkippedPeer.Reason) -> Double? {
            let text = String(decoding: metrics.render(), as: UTF8.self)
            return text.split(separator: "\n").first { $0.hasPrefix("netplan_flannel_skipped_leases{reason=\"\(reason.rawValue)\"} ") }
                .flatMap { Double($0.split(separator: " ").last ?? "") }
        }
        for reason in SkippedPeer.Reason.allCases { #expect(value(reason) == 0, "\(reason)") }
        metrics.recordSkipped([Self.peer(3), Self.peer(4), Self.peer(5, .vniMismatch)])
        #expect(value(.invalidPublicIP) == 2)
        #expect(value(.vniMismatch) == 1)
        metrics.recordSkipped([Self.peer(5, .vniMismatch)])
        #expect(value(.invalidPublicIP) == 0)
        #expect(value(.vniMismatch) == 1)
    }
}
