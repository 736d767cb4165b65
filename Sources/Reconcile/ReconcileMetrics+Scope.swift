import Prometheus

/// How much of the node a pass looked at: `full` (observe everything, compute, plan, apply) or
/// `targeted` (only the objects kernel notifications named, planned against the last full
/// pass), so an operator can tell whether drift repair stays cheap.
enum PassScope: String, CaseIterable, Sendable {
    case full
    case targeted
}

extension ReconcileMetrics {
    private static var scopes: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "netplan_flannel", metricName: "pass_scopes", unitName: "total",
            helpText: "Reconcile passes by scope: full (observe everything) or targeted (only the objects kernel notifications named)."
        )
    }

    private static var fallbacks: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "netplan_flannel", metricName: "targeted_fallbacks", unitName: "total",
            helpText: "Passes triggered by kernel notifications alone that ran as full passes, by why: link (the device or its addresses changed, or a notification could not be read as an object), conflict (a foreign object holds a wanted key), apply (the targeted changes failed)."
        )
    }

    /// Makes every series at zero, so a scrape shows them before the first pass of each kind.
    func prepareScopes() {
        for scope in PassScope.allCases { _ = registry.makeCounter(descriptor: Self.scopes, labels: [("scope", scope.rawValue)]) }
        for reason in ["link", "conflict", "apply"] {
            _ = registry.makeCounter(descriptor: Self.fallbacks, labels: [("reason", reason)])
        }
    }

    func recordScope(_ scope: PassScope) {
        registry.makeCounter(descriptor: Self.scopes, labels: [("scope", scope.rawValue)]).increment()
    }

    /// - Parameter reason: `link`, `conflict` or `apply`.
    func recordTargetedFallback(reason: String) {
        registry.makeCounter(descriptor: Self.fallbacks, labels: [("reason", reason)]).increment()
    }
}
