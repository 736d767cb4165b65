import Benchmark
import Desired
import Foundation
import NetState
import Planner

/// The agent's per-event work at 5,000 nodes (issue 13), without the network and the kernel:
/// - `kube-heartbeat-event`: one watch line of a kubelet heartbeat (a real-shaped 10.5 KB node,
///   `Fixtures/kube-heartbeat.jsonl`, as the test API server serves it) read for its lease and
///   compared with the cached one. Target ≤ 20 µs.
/// - `lease-delta-vtep-5k`: a peer's VtepMAC change planned peer by peer: `IncrementalPeers`
///   moves the desired state, the planner plans the peer's objects (a neighbour changed, an FDB
///   entry replaced). Part of the ≤ 2 ms CPU of a relevant event.
func agentBenchmarks() {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal],
        warmupIterations: 10,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 1_000,
        thresholds: [.mallocCountTotal: BenchmarkThresholds(relative: [.p90: 2.0])]
    )

    Benchmark("kube-heartbeat-event", configuration: configuration) { (benchmark, prepared: HeartbeatInput) in
        let (line, cache) = (prepared.line, prepared.cache)
        for _ in benchmark.scaledIterations {
            let relevant = line.withUnsafeBytes { bytes -> Bool in
                guard case .modified(let node, _)? = try? KubeAPIReader.watchEvent(bytes, source: "api", prefix: .flannel),
                      case .lease(let lease) = node.outcome
                else { return true }
                return cache[node.name] != lease
            }
            if relevant { benchmark.error("the heartbeat read as a change") }
        }
    } setup: {
        let line = try Data(contentsOf: fixture("kube-heartbeat.jsonl"))
        let bytes = Array(line.dropLast())
        guard case .modified(let node, _)? = try? bytes.withUnsafeBytes({
            try KubeAPIReader.watchEvent($0, source: "api", prefix: .flannel)
        }), case .lease(let lease) = node.outcome else { throw SetupFailure("the fixture is not a managed node's MODIFIED event") }
        // The cache of a 5,000-node cluster, the heartbeat's node among them.
        var cache: [String: Lease] = [node.name: lease]
        for index in 0..<4_999 {
            var other = lease
            other.nodeName = "node-x\(index)"
            cache["node-x\(index)"] = other
        }
        return HeartbeatInput(line: bytes, cache: cache)
    }

    Benchmark("lease-delta-vtep-5k", configuration: configuration) { (benchmark, node: PreparedNode) in
        var state = node.vxlan.state
        var incremental = node.incremental
        let peer = node.leases[2_500]
        var moved = peer
        moved.vtepMAC = MACAddress(0x0e_aa_00_00_00_01)
        var forth = LeaseDelta(), back = LeaseDelta()
        forth.record(peer.key, moved)
        back.record(peer.key, peer)
        // The first change copies the shared tables; the agent's own are uniquely held.
        _ = try? incremental.apply(back, to: &state)
        state.routes.reserveCapacity(state.routes.count + 1)
        benchmark.startMeasurement()
        for iteration in benchmark.scaledIterations {
            do {
                let change = try incremental.apply(iteration % 2 == 0 ? forth : back, to: &state)
                let plan = Planner.plan(desired: change.after, observed: change.before, ownership: node.ownership)
                if plan.changes.count != 3 { benchmark.error("\(plan.changes.count) changes, expected 3") }
                blackHole(plan)
            } catch {
                benchmark.error("\(error)")
            }
        }
        benchmark.stopMeasurement()
    } setup: {
        try PreparedNode(count: 5_000)
    }
}

/// A file of `Benchmarks/Fixtures`.
func fixture(_ name: String) -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent(name)
}

/// A heartbeat's watch line and the lease cache it is compared with.
struct HeartbeatInput: Sendable {
    let line: [UInt8]
    let cache: [String: Lease]
}
