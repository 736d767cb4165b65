import Foundation
import Testing

/// Issue 4's namespace cluster, from nothing to vxlan: four nodes, n4 behind a router.
@Suite(.enabled(if: KernelTestEnvironment.isRoot, "needs root for network namespaces"))
struct ClusterVxlanTests {
    /// Every pod pings every other pod (12 pairs, n4 included) after one apply per node; each
    /// node holds exactly flannel's routes, neighbours, FDB entries and device; nothing is left
    /// to plan.
    @Test func applyingVxlanFromNothingConnectsEveryPod() throws {
        let scenario = try ClusterScenario()
        defer { scenario.shutdown() }
        try scenario.convergeOnVxlanFromNothing()
    }
}
