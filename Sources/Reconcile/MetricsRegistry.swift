import BuildInfo
import Desired
import Foundation
import Planner
import Prometheus

/// The agent's Prometheus metrics (`netplan_flannel_*`). Labelled series are made on first use;
/// the registry hands back the same series for the same labels, so callers never keep them.
public final class ReconcileMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()

    private let passDuration: DurationHistogram
    private let lastSuccess: Gauge
    private let leaseCount: Gauge
    private let sourceUp: Gauge
    let sourceCounters: LeaseSourceCounters

    /// How a pass ended.
    enum PassResult: String, CaseIterable {
        /// The kernel already matched.
        case unchanged
        /// Changes were applied, all of them.
        case changed
        /// Dry run: drift found and reported, nothing changed.
        case drift
        /// The inputs were refused, the kernel could not be read, or a change failed.
        case failed
    }

    private static func name(_ metric: String, unit: String = "", help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "netplan_flannel", metricName: metric, unitName: unit, helpText: help)
    }

    private static var passes: MetricNameDescriptor { name("passes", unit: "total", help: "Reconcile passes, by how they ended.") }
    private static var changes: MetricNameDescriptor { name("changes_applied", unit: "total", help: "Changes applied to the kernel, by object kind and verb.") }
    private static var drift: MetricNameDescriptor { name(
        "drift_events", unit: "total",
        help: "Drift seen: kernel notifications about owned objects changed by someone else (source=event), passes that found the kernel away from the desired state (source=pass)."
    ) }
    private static var leaseErrors: MetricNameDescriptor { name(
        "lease_source_errors", unit: "total",
        help: "Failed reads of the lease source: unreachable, invalid data, or a set refused as unsafe."
    ) }

    private static var skippedLeases: MetricNameDescriptor { name(
        "skipped_leases",
        help: "Peers the last full pass left out of the desired state, by why; their routes, neighbours and FDB entries are left as they are."
    ) }

    public init() {
        passDuration = registry.makeDurationHistogram(
            descriptor: Self.name("pass_duration", unit: "seconds", help: "Time of one observe + plan + apply pass."),
            buckets: [.milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                      .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                      .milliseconds(2500), .seconds(5)]
        )
        lastSuccess = registry.makeGauge(descriptor: Self.name(
            "last_successful_pass", unit: "timestamp_seconds",
            help: "Unix time of the last pass that ended with the kernel matching the leases (or, dry run, fully read)."
        ))
        leaseCount = registry.makeGauge(descriptor: Self.name("leases", help: "Leases in the set the agent programs."))
        sourceUp = registry.makeGauge(descriptor: Self.name("lease_source_up", help: "1 when the last read of the lease source succeeded, else 0."))
        sourceCounters = LeaseSourceCounters(registry)
        // Made up front so a scrape before the first pass already shows every series at zero.
        for result in PassResult.allCases { _ = registry.makeCounter(descriptor: Self.passes, labels: [("result", result.rawValue)]) }
        for source in ["event", "pass"] { _ = registry.makeCounter(descriptor: Self.drift, labels: [("source", source)]) }
        for reason in ["unreachable", "invalid", "refused"] {
            _ = registry.makeCounter(descriptor: Self.leaseErrors, labels: [("reason", reason)])
        }
        for reason in SkippedPeer.Reason.allCases {
            _ = registry.makeGauge(descriptor: Self.skippedLeases, labels: [("reason", reason.rawValue)])
        }
        // Which build this node runs, as Prometheus' `*_build_info` convention has it: always 1,
        // the facts in the labels (`count by (version) (netplan_flannel_build_info)` across nodes).
        registry.makeGauge(
            descriptor: Self.name("build_info", help: "Always 1; labels: the version and commit of this netplan-flannel build."),
            labels: [("version", BuildInfo.version), ("commit", BuildInfo.commit)]
        ).set(to: 1)
    }

    func recordPass(_ result: PassResult, duration: Duration) {
        registry.makeCounter(descriptor: Self.passes, labels: [("result", result.rawValue)]).increment()
        passDuration.record(duration)
        if result != .failed { lastSuccess.set(to: Date().timeIntervalSince1970) }
    }

    func recordApplied(_ applied: [Change]) {
        for change in applied {
            registry.makeCounter(descriptor: Self.changes, labels: [("kind", change.kind), ("verb", change.action.rawValue)])
                .increment()
        }
    }

    /// - Parameter source: `event` (a notification) or `pass` (a pass whose plan was not empty).
    func recordDrift(source: String) {
        registry.makeCounter(descriptor: Self.drift, labels: [("source", source)]).increment()
    }

    /// - Parameter reason: `unreachable`, `invalid` or `refused`.
    func recordLeaseSourceError(reason: String) {
        registry.makeCounter(descriptor: Self.leaseErrors, labels: [("reason", reason)]).increment()
        sourceUp.set(to: 0)
    }

    func recordLeaseSet(count: Int) {
        leaseCount.set(to: Double(count))
        sourceUp.set(to: 1)
    }

    /// Sets every reason's gauge to its count among `peers` (the skipped peers of a full pass):
    /// a reason no longer seen goes back to 0.
    func recordSkipped(_ peers: [SkippedPeer]) {
        var counts: [SkippedPeer.Reason: Int] = [:]
        for peer in peers { counts[peer.reason, default: 0] += 1 }
        for reason in SkippedPeer.Reason.allCases {
            registry.makeGauge(descriptor: Self.skippedLeases, labels: [("reason", reason.rawValue)])
                .set(to: Double(counts[reason] ?? 0))
        }
    }

    /// The exposition text for `/metrics`.
    func render() -> [UInt8] { registry.emitToBuffer() }
}
