import Prometheus

/// How much of the node a pass looked at: `full` (observe everything, compute, plan, apply),
/// `targeted` (only the objects kernel notifications named, planned against the last full
/// pass) or `peers` (only the peers a lease source's delta changed, likewise), so an operator
/// can tell whether drift repair and lease changes stay cheap.
enum PassScope: String, CaseIterable, Sendable {
    case full
    case targeted
    case peers
}

extension ReconcileMetrics {
    private static var scopes: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "netplan_flannel", metricName: "pass_scopes", unitName: "total",
            helpText: "Reconcile passes by scope: full (observe everything), targeted (only the objects kernel notifications named) or peers (only the peers a lease change named)."
        )
    }

    private static var fallbacks: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "netplan_flannel", metricName: "targeted_fallbacks", unitName: "total",
            helpText: "Passes triggered by kernel notifications or lease changes alone that ran as full passes, by why: link (the device or its addresses changed, or a notification could not be read as an object), conflict (a foreign object holds a wanted key), apply (the targeted changes failed), leases (a lease change only a full computation can judge)."
        )
    }

    /// Makes every series at zero, so a scrape shows them before the first pass of each kind.
    func prepareScopes() {
        for scope in PassScope.allCases { _ = registry.makeCounter(descriptor: Self.scopes, labels: [("scope", scope.rawValue)]) }
        for reason in ["link", "conflict", "apply", "leases"] {
            _ = registry.makeCounter(descriptor: Self.fallbacks, labels: [("reason", reason)])
        }
    }

    func recordScope(_ scope: PassScope) {
        registry.makeCounter(descriptor: Self.scopes, labels: [("scope", scope.rawValue)]).increment()
    }

    /// - Parameter reason: `link`, `conflict`, `apply` or `leases`.
    func recordTargetedFallback(reason: String) {
        registry.makeCounter(descriptor: Self.fallbacks, labels: [("reason", reason)]).increment()
    }
}
