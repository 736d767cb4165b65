import Desired
import Foundation
import LeaseSources
import Logging
import NetState
@testable import Reconcile
import Testing

struct LeaseSourceStoreTests {
    func lease(_ third: UInt8) -> Lease {
        Lease(
            key: "/coreos.com/network/subnets/10.244.\(third).0-24",
            subnet: IPv4Prefix(address: IPv4Address(10, 244, third, 0), length: 24),
            publicIP: IPv4Address(172, 22, 0, third), backendType: .vxlan
        )
    }

    func metricsText(_ metrics: ReconcileMetrics) -> String { String(decoding: metrics.render(), as: UTF8.self) }

    @Test func theLastGoodSetSurvivesFailuresAndAnEmptySet() {
        let metrics = ReconcileMetrics()
        let store = LeaseSourceStore(logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), metrics: metrics)
        #expect(store.current == nil)
        #expect(store.take(.leases(LeaseSet(leases: [lease(1), lease(2)], source: "s"))))
        #expect(!store.take(.failure(LeaseSourceError(.unreachable, source: "s", "connection refused"))))
        #expect(!store.take(.leases(LeaseSet(leases: [], source: "s"))))
        #expect(store.current?.leases.count == 2)
        #expect(!store.take(.leases(LeaseSet(leases: [lease(1), lease(2)], source: "s"))), "same set: no pass")
        #expect(store.take(.leases(LeaseSet(leases: [lease(1)], source: "s"))), "a peer left: a pass")
        #expect(store.current?.leases.count == 1)
        let text = metricsText(metrics)
        #expect(text.contains(#"netplan_flannel_lease_source_errors_total{reason="unreachable"} 1"#), "\(text)")
        #expect(text.contains(#"netplan_flannel_lease_source_errors_total{reason="refused"} 1"#))
        #expect(text.contains("netplan_flannel_leases 1"))
        #expect(text.contains("netplan_flannel_lease_source_up 1"))
    }
}
