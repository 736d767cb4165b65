import BuildInfo
@testable import Reconcile
import Testing

/// `netplan_flannel_build_info{version,commit} 1`: which build a node runs, from the first
/// scrape on, before any pass.
struct BuildInfoMetricTests {
    @Test func theBuildIsAGaugeOfOneFromTheStart() {
        let text = String(decoding: ReconcileMetrics().render(), as: UTF8.self)
        #expect(text.contains("# TYPE netplan_flannel_build_info gauge"), "\(text)")
        #expect(text.contains(#"netplan_flannel_build_info{version="\#(BuildInfo.version)",commit="\#(BuildInfo.commit)"} 1"#), "\(text)")
    }
}
