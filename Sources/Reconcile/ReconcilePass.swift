import Apply
import Desired
import Foundation
import LeaseSources
import Logging
import NetState
import Netlink
import Observed
import Planner

/// One observe + plan + apply pass, as `apply` computes it, from the lease store's current set.
/// Owned by the reconcile thread (the apply socket is not `Sendable`).
public final class ReconcilePass: @unchecked Sendable {
    public enum Outcome: Equatable, Sendable {
        /// No lease set yet (the source has not answered).
        case waiting
        case unchanged
        case changed
        /// Dry run: drift reported, nothing changed.
        case drift
        case failed(String)
    }

    /// The node flags, as the command parsed them: a refusal fails every pass, as it would
    /// fail a one-shot command.
    private let nodeFlags: Result<NodeFlags, InputError>
    /// `--net-conf`, read once; nil means the lease source supplies it (etcd's `<prefix>/config`).
    private let netConf: NetConf?
    let store: LeaseSourceStore
    let filter: ReconcileEventFilter
    let metrics: ReconcileMetrics
    let logger: Logger
    let dryRun: Bool
    private var socket: NetlinkSocket?
    private let health: ReconcileHealth
    /// What notifications said since the last pass, for a targeted pass.
    public let ledger: TargetedDriftLedger
    /// The last successful full pass, while the kernel is known to match it; nil otherwise.
    var basis: TargetedRepairBasis?
    /// The conflicts of the last pass: desired objects whose key a foreign object holds. Often
    /// a dying kernel entry (a neighbour deleted while referenced lingers as `NUD_FAILED` until
    /// the kernel's GC drops it), so the loop retries soon rather than at the next interval.
    private(set) var conflicts: [String] = []
    /// The peers the last full pass skipped, so each is logged once per change.
    private var skippedPeers = SkippedPeerTracker()
    /// The plan of the last pass that got that far, and whose node it is (`--once --dry-run` prints it).
    public private(set) var lastPlan: (plan: Plan, headline: String)?

    public init(
        nodeFlags: Result<NodeFlags, InputError>, netConf: NetConf?, store: LeaseSourceStore, filter: ReconcileEventFilter,
        metrics: ReconcileMetrics, logger: Logger, dryRun: Bool, health: ReconcileHealth,
        ledger: TargetedDriftLedger = TargetedDriftLedger()
    ) {
        self.nodeFlags = nodeFlags
        self.netConf = netConf
        self.store = store
        self.filter = filter
        self.metrics = metrics
        self.logger = logger
        self.dryRun = dryRun
        self.health = health
        self.ledger = ledger
        metrics.prepareScopes()
    }

    public func close() {
        socket?.close()
        socket = nil
    }

    /// The request socket, kept across passes so the event filter can recognise the
    /// notifications our own requests cause by its port id.
    func applySocket() throws -> NetlinkSocket {
        if let socket { return socket }
        let opened = try NetlinkSocket.routing()
        try opened.setReceiveTimeout(milliseconds: 10_000)
        filter.addOwnPort(opened.portID)
        socket = opened
        return opened
    }

    public func run(reasons: Set<PassReason>) -> Outcome {
        let clock = ContinuousClock()
        let started = clock.now
        guard let (set, delta) = store.takeChanges() else {
            logger.debug("no lease set yet; waiting for the lease source", metadata: ["reasons": "\(Self.words(reasons))"])
            return .waiting
        }
        let outcome: Outcome
        let scope: PassScope
        if let peers = runLeaseDelta(set, delta: delta, reasons: reasons) {
            (outcome, scope) = (peers, .peers)
        } else if let targeted = runTargeted(set, reasons: reasons) {
            (outcome, scope) = (targeted, .targeted)
        } else {
            (outcome, scope) = (compute(set, reasons: reasons), .full)
            AgentHeap.afterFullPass()
        }
        let duration = clock.now - started
        let result: ReconcileMetrics.PassResult
        switch outcome {
        case .waiting: return outcome
        case .unchanged: result = .unchanged
        case .changed: result = .changed
        case .drift: result = .drift
        case .failed: result = .failed
        }
        metrics.recordPass(result, duration: duration)
        metrics.recordScope(scope)
        health.record(outcome)
        return outcome
    }

    private func compute(_ set: LeaseSet, reasons: Set<PassReason>) -> Outcome {
        let clock = ContinuousClock()
        let started = clock.now
        // Everything notified so far is in what this pass reads; what comes later is recorded
        // for the next one.
        _ = ledger.take()
        basis = nil
        let computed: Computed
        do {
            computed = try computePlan(set, reasons: reasons)
        } catch {
            let message = (error as? PassFailure)?.message ?? "\(error)"
            logger.error("pass failed before any change: \(message)", metadata: ["reasons": "\(Self.words(reasons))"])
            return .failed(message)
        }
        let plan = computed.plan
        if plan.isEmpty {
            logger.trace("no drift", metadata: ["reasons": "\(Self.words(reasons))"])
            keep(computed.candidate, conflicts: plan.conflicts)
            return .unchanged
        }
        metrics.recordDrift(source: "pass")
        var metadata = Self.metadata(headline: computed.candidate.headline, reasons: reasons, set: set, plan: plan, scope: .full)
        if dryRun {
            metadata["plan"] = "\(plan.summaryLine)"
            logger.warning("drift: \(plan.changes.count) changes would be made (dry run)", metadata: metadata)
            return .drift
        }
        let report: ApplyReport
        do {
            report = Applier().apply(
                plan, using: try applySocket(), tables: KernelNftApplier(), deviceConf: KernelDeviceConf(),
                nftGeneration: computed.nftGeneration
            )
        } catch {
            logger.error("cannot open the netlink socket to apply: \(error)", metadata: metadata)
            return .failed("\(error)")
        }
        metrics.recordApplied(report.applied + report.appliedAfterFailure)
        metadata["duration_ms"] = "\(Self.milliseconds(clock.now - started))"
        let counts = Plan(changes: report.applied + report.appliedAfterFailure, fingerprint: plan.fingerprint, ownership: plan.ownership).summary
        if report.isComplete {
            logger.notice(
                "repaired: \(counts.add) added, \(counts.change) changed, \(counts.destroy) destroyed", metadata: metadata
            )
            keep(computed.candidate, conflicts: plan.conflicts)
            return .changed
        }
        let failure = Self.failureText(report)
        metadata["failure"] = "\(failure)"
        metadata["not_attempted"] = "\(report.notAttempted.count)"
        logger.error("apply failed part-way: \(failure)", metadata: metadata)
        // The socket may hold stale replies after a failure: start the next pass on a fresh one.
        close()
        return .failed(failure)
    }

    /// A full pass's plan, and what it would leave as the basis of targeted passes.
    private struct Computed {
        var plan: Plan
        var candidate: TargetedRepairBasis
        /// The nf_tables generation the plan's transactions name (`Applier`).
        var nftGeneration: UInt32?
    }

    /// Observes the node and plans it from `set`, as `apply` does; updates the event filter,
    /// the skipped peers and the conflicts on the way.
    private func computePlan(_ set: LeaseSet, reasons: Set<PassReason>) throws -> Computed {
        guard let netConf = netConf ?? set.netConf else {
            throw PassFailure(message: "\(set.source): no network config: give --net-conf, or put flannel's config at <prefix>/config")
        }
        let node = try nodeFlags.get()
        let cluster = ClusterInputs(
            netConf: netConf, leases: set.leases, rejected: set.rejected, leaseSource: set.source, node: node
        )
        var observed = try LiveKernel.observe(ObservationScope(cluster, underlay: node.iface))
        observed.refine(ifaceMTU: node.ifaceMTU, onLinkNetworks: cluster.onLinkNetworks)
        let desired = try cluster.desired(for: observed)
        noteSkipped(desired.skipped)
        let ownership = desired.ownership(cluster)
        filter.update(.init(ownership: ownership, desired: desired.state))
        let plan = Planner.plan(desired: desired.state, observed: observed.state, ownership: ownership)
        let headline = desired.headline
        if plan.conflicts != conflicts && !plan.conflicts.isEmpty {
            logger.warning("objects held by foreign entries are not created; retrying shortly", metadata: [
                "conflicts": .array(plan.conflicts.map { .string($0) }), "reasons": "\(Self.words(reasons))",
            ])
        }
        conflicts = plan.conflicts
        lastPlan = (plan, headline)
        let candidate = TargetedRepairBasis(
            leases: set, desired: desired.state, ownership: ownership, headline: headline, devices: [],
            incremental: IncrementalPeers(
                netConf: netConf, leases: set.leases, rejected: set.rejected, node: node.selector, facts: observed.facts,
                options: node.options, desired: desired
            )
        )
        return Computed(plan: plan, candidate: candidate, nftGeneration: observed.nftGeneration)
    }

    /// Publishes a full pass's skipped peers (metric, health body) and logs what changed: a
    /// warning when a peer becomes skipped or its problem changes, a notice when it is no longer
    /// skipped. Only full passes compute them; targeted passes leave all of this as it is.
    private func noteSkipped(_ peers: [SkippedPeer]) {
        let changes = skippedPeers.update(peers)
        let unique = skippedPeers.peers
        for peer in changes.skipped {
            var metadata: Logger.Metadata = ["lease": "\(peer.key)", "reason": "\(peer.reason.rawValue)"]
            if let source = peer.source { metadata["source"] = "\(source)" }
            logger.warning(
                "peer skipped: \(peer.key): \(peer.message); its routes, neighbour and FDB entries are left as they are",
                metadata: metadata
            )
        }
        for peer in changes.cleared {
            logger.notice("peer no longer skipped: \(peer.key)", metadata: [
                "lease": "\(peer.key)", "was": "\(peer.reason.rawValue)",
            ])
        }
        metrics.recordSkipped(unique)
        health.recordSkipped(unique)
    }

    /// What the log line of a pass that changes something carries.
    static func metadata(
        headline: String, reasons: Set<PassReason>, set: LeaseSet, plan: Plan, scope: PassScope
    ) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "node": "\(headline)", "reasons": "\(words(reasons))", "leases": "\(set.leases.count)",
            "changes": changeList(plan.changes), "scope": "\(scope.rawValue)",
        ]
        if let revision = set.revision { metadata["revision"] = "\(revision)" }
        return metadata
    }

    /// The first failed change and why, for the log.
    static func failureText(_ report: ApplyReport) -> String {
        report.failure.map { "\($0.change): \($0.error)" } ?? "changes left unapplied"
    }

    /// The changes for the log line, capped so a first pass on a 5,000-node cluster logs a
    /// readable line rather than 15,000 entries.
    static func changeList(_ changes: [Change], limit: Int = 50) -> Logger.MetadataValue {
        var items = changes.prefix(limit).map { Logger.MetadataValue.string($0.description) }
        if changes.count > limit { items.append(.string("… \(changes.count - limit) more")) }
        return .array(items)
    }

    static func words(_ reasons: Set<PassReason>) -> String {
        reasons.sorted().map(\.rawValue).joined(separator: ",")
    }

    static func milliseconds(_ duration: Duration) -> String {
        let ms = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        return String(format: "%.1f", ms)
    }
}

/// A pass that failed for a reason it has already worded for the log and the operator.
struct PassFailure: Error {
    var message: String
}

/// What `/healthz` reports: the last pass, whether one ever succeeded, and the peers the last
/// full pass skipped. Skipped peers leave the agent serving (200) but degraded, and the body
/// names them.
public final class ReconcileHealth: @unchecked Sendable {
    private let lock = NSLock()
    private var last: ReconcilePass.Outcome = .waiting
    private var skipped: [SkippedPeer] = []

    public init() {}

    func record(_ outcome: ReconcilePass.Outcome) {
        lock.lock(); defer { lock.unlock() }
        last = outcome
    }

    /// The skipped peers of a full pass (targeted passes do not compute them: they keep these).
    func recordSkipped(_ peers: [SkippedPeer]) {
        lock.lock(); defer { lock.unlock() }
        skipped = peers
    }

    /// The peers the last full pass skipped, sorted by key.
    public var skippedPeers: [SkippedPeer] {
        lock.lock(); defer { lock.unlock() }
        return skipped
    }

    /// nil when healthy (degraded included), else the reason.
    func problem() -> String? {
        lock.lock(); defer { lock.unlock() }
        switch last {
        case .waiting: return "no pass yet: waiting for the lease source"
        case .failed(let why): return "last pass failed: \(why)"
        case .unchanged, .changed, .drift: return nil
        }
    }

    /// What `/healthz` answers.
    public func report() -> HealthReport {
        if let problem = problem() { return HealthReport(healthy: false, body: "\(problem)\n") }
        lock.lock()
        let skipped = self.skipped
        lock.unlock()
        return HealthReport(healthy: true, body: Self.body(skipped: skipped))
    }

    /// `ok`, or `ok: degraded: N peers skipped` and a `skipped: <key>: <message>` line per peer,
    /// at most `limit` of them then `… N more`, so a thousand bad leases stay a short body.
    static func body(skipped: [SkippedPeer], limit: Int = 20) -> String {
        guard !skipped.isEmpty else { return "ok\n" }
        var lines = ["ok: degraded: \(skipped.count) \(skipped.count == 1 ? "peer" : "peers") skipped"]
        for peer in skipped.prefix(limit) {
            lines.append("skipped: \(Self.line(peer.key)): \(Self.line(peer.message))")
        }
        if skipped.count > limit { lines.append("… \(skipped.count - limit) more") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Lease keys and messages come from the lease source: one line each, of bounded length.
    private static func line(_ text: String, limit: Int = 300) -> String {
        let flat = String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) })
        return flat.count > limit ? String(flat.prefix(limit)) + "…" : flat
    }
}

/// `/healthz`: 200 with `body` when healthy (possibly degraded), else 503.
public struct HealthReport: Equatable, Sendable {
    public var healthy: Bool
    public var body: String
}
