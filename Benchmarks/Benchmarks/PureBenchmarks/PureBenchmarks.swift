import Benchmark
import Desired
import NetState
import Planner

/// The pure steps of a plan, at three cluster sizes so the growth shows (1k → 5k is ×5 leases,
/// 5k → 50k ×10; linear code grows by the same factors).
///
/// Wall time and peak memory are reported; only `mallocCountTotal` has committed thresholds
/// (`Thresholds/`), because allocation counts are the same on a noisy 2-core CI runner and on a
/// quiet laptop, while wall time is not.
let benchmarks: @Sendable () -> Void = {
    agentBenchmarks()
    let sizes = [(1_000, "1k"), (5_000, "5k"), (50_000, "50k")]

    /// How far a run's p90 malloc count may move from the recorded one. The plugin flags a
    /// deviation beyond *either* a relative or an absolute tolerance, so each benchmark gets one:
    /// - steps that allocate per lease or per change (parsing, rendering: 10⁴–10⁶ allocations)
    ///   get 2%, where one more allocation per object is +4% or more;
    /// - desired and diff allocate a few hundred times whatever the size (a dictionary's storage
    ///   is one allocation), and vary by ±4 between runs (hash seeds move growth points): they get
    ///   16 allocations, far below the thousands that one more per object would add.
    let perObject = BenchmarkThresholds(relative: [.p90: 2.0])
    let perStep = BenchmarkThresholds(absolute: [.p90: 16])

    func configuration(_ count: Int, _ allocationTolerance: BenchmarkThresholds) -> Benchmark.Configuration {
        .init(
            metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident, .peakMemoryResidentDelta],
            warmupIterations: 1,
            // At 50k leases one iteration takes up to a few hundred ms: keep CI short.
            maxDuration: .seconds(count >= 50_000 ? 3 : 2),
            maxIterations: count >= 50_000 ? 8 : 40,
            thresholds: [.mallocCountTotal: allocationTolerance]
        )
    }

    // Names without spaces or slashes: the plugin (1.38.1) writes threshold files under a name
    // with those replaced by "_" but looks them up under the name as given.
    for (count, label) in sizes {
        let setup: @Sendable () async throws -> PreparedNode = { try PreparedNode(count: count) }

        Benchmark("parse-etcdctl-json-\(label)", configuration: configuration(count, perObject)) { benchmark, node in
            for _ in benchmark.scaledIterations {
                measure(benchmark) { try LeaseReader.parse(node.cluster.etcdctl, source: "etcdctl.json") }
            }
        } setup: { try await setup() }

        Benchmark("parse-kubectl-json-\(label)", configuration: configuration(count, perObject)) { benchmark, node in
            for _ in benchmark.scaledIterations {
                measure(benchmark) { try LeaseReader.parse(node.cluster.kubectl, source: "nodes.json") }
            }
        } setup: { try await setup() }

        Benchmark("desired-vxlan-\(label)", configuration: configuration(count, perStep)) { benchmark, node in
            for _ in benchmark.scaledIterations {
                measure(benchmark) {
                    try DesiredState.compute(
                        netConf: node.netConf, leases: node.leases, node: PreparedNode.node, facts: node.facts)
                }
            }
        } setup: { try await setup() }

        Benchmark("diff-converged-\(label)", configuration: configuration(count, perStep)) { benchmark, node in
            for _ in benchmark.scaledIterations {
                blackHole(Planner.plan(desired: node.vxlan.state, observed: node.observedVxlan, ownership: node.ownership))
            }
        } setup: { try await setup() }

        Benchmark("diff-vxlan-to-host-gw-\(label)", configuration: configuration(count, perStep)) { benchmark, node in
            for _ in benchmark.scaledIterations {
                blackHole(Planner.plan(desired: node.hostGW.state, observed: node.observedVxlan, ownership: node.ownership))
            }
        } setup: { try await setup() }

        // The target of issue 6 (≤ 100 ms at 50k): what a converged re-plan computes once the
        // leases are read and the kernel observed.
        Benchmark("desired+diff-converged-\(label)", configuration: configuration(count, perStep)) { benchmark, node in
            for _ in benchmark.scaledIterations {
                measure(benchmark) {
                    let desired = try DesiredState.compute(
                        netConf: node.netConf, leases: node.leases, node: PreparedNode.node, facts: node.facts)
                    return Planner.plan(desired: desired.state, observed: node.observedVxlan, ownership: node.ownership)
                }
            }
        } setup: { try await setup() }

        Benchmark("render-text-from-empty-\(label)", configuration: configuration(count, perObject)) { benchmark, node in
            for _ in benchmark.scaledIterations {
                blackHole(PlanText.render(node.fromEmpty))
            }
        } setup: { try await setup() }

        Benchmark("render-script-from-empty-\(label)", configuration: configuration(count, perObject)) { benchmark, node in
            for _ in benchmark.scaledIterations {
                blackHole(PlanScript.render(node.fromEmpty))
            }
        } setup: { try await setup() }

        Benchmark("render-text-vxlan-to-host-gw-\(label)", configuration: configuration(count, perObject)) { benchmark, node in
            for _ in benchmark.scaledIterations {
                blackHole(PlanText.render(node.toHostGW))
            }
        } setup: { try await setup() }
    }

    // Issue 14: desired + diff of both families at once (six objects per peer), ≤ 200 ms at 50k.
    for (count, label) in [(5_000, "5k"), (50_000, "50k")] {
        Benchmark("desired+diff-converged-dual-\(label)", configuration: configuration(count, perStep)) { benchmark, node in
            for _ in benchmark.scaledIterations {
                measure(benchmark) {
                    let desired = try DesiredState.compute(
                        netConf: node.netConf, leases: node.leases, node: PreparedNode.node, facts: node.facts)
                    return Planner.plan(desired: desired.state, observed: node.observed, ownership: node.ownership)
                }
            }
        } setup: { try DualStackNode(count: count) }
    }
}

/// Runs a throwing step, keeping its result alive; a failure fails the benchmark, since a step
/// that throws measures the error path instead of the work.
@inline(__always)
func measure<T>(_ benchmark: Benchmark, _ step: () throws -> T) {
    do {
        blackHole(try step())
    } catch {
        benchmark.error("\(error)")
    }
}
