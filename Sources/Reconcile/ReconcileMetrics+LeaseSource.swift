import LeaseSources
import Prometheus

/// The lease source's own series: restarts of its list and watch by reason, the events its
/// stream carried by type and relevance, and the objects it holds. Every series is made up front
/// (`LeaseSourceCounters`) so that the call per node heartbeat is one atomic increment, not a
/// registry lookup.
extension ReconcileMetrics: LeaseSourceMonitor {
    public func restarted(_ request: LeaseSourceRequest, reason: LeaseSourceRestart) {
        sourceCounters.restarts[request]?[reason]?.increment()
    }

    public func event(_ type: LeaseSourceEventType, relevant: Bool) {
        (relevant ? sourceCounters.relevant : sourceCounters.irrelevant)[type]?.increment()
    }

    public func cached(_ count: Int) {
        sourceCounters.cache.set(to: Double(count))
    }

    public func listed() {
        sourceCounters.lists.increment()
    }
}

/// The series of `LeaseSourceMonitor`, made once.
struct LeaseSourceCounters: Sendable {
    let restarts: [LeaseSourceRequest: [LeaseSourceRestart: Counter]]
    let relevant: [LeaseSourceEventType: Counter]
    let irrelevant: [LeaseSourceEventType: Counter]
    let cache: Gauge
    let lists: Counter

    init(_ registry: PrometheusCollectorRegistry) {
        func name(_ metric: String, unit: String = "", help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "netplan_flannel", metricName: metric, unitName: unit, helpText: help)
        }
        let restartName = name(
            "lease_source_restarts", unit: "total",
            help: "Lists and watches of the lease source started again, by request (list, watch) and reason: timeout (a watch ended by the server's timeout or the agent's age limit), expired (410: the resourceVersion is too old), error (a failure)."
        )
        var restarts: [LeaseSourceRequest: [LeaseSourceRestart: Counter]] = [:]
        for request in LeaseSourceRequest.allCases {
            for reason in LeaseSourceRestart.allCases {
                restarts[request, default: [:]][reason] = registry.makeCounter(
                    descriptor: restartName, labels: [("request", request.rawValue), ("reason", reason.rawValue)]
                )
            }
        }
        self.restarts = restarts
        let eventName = name(
            "lease_source_events", unit: "total",
            help: "Events of the lease source's watch, by type and relevance: relevant events changed a lease; irrelevant ones (node heartbeats, bookmarks) cost a comparison."
        )
        func counters(_ relevance: String) -> [LeaseSourceEventType: Counter] {
            Dictionary(uniqueKeysWithValues: LeaseSourceEventType.allCases.map { type in
                (type, registry.makeCounter(descriptor: eventName, labels: [("type", type.rawValue), ("relevance", relevance)]))
            })
        }
        relevant = counters("relevant")
        irrelevant = counters("irrelevant")
        cache = registry.makeGauge(descriptor: name(
            "lease_source_cached_objects", help: "Objects the lease source holds: flannel's nodes (leases and nodes whose lease does not parse)."
        ))
        lists = registry.makeCounter(descriptor: name("lease_source_lists", unit: "total", help: "Complete lists of the lease source."))
    }
}
