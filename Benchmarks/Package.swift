// swift-tools-version:6.1
import PackageDescription

/// The pure-code benchmarks (issue 6): parsing, desired state, diff and ordering, rendering, at
/// 1k, 5k and 50k leases. A package of its own so the main package and CI's test build never
/// build ordo-one/benchmark. Run with `scripts/bench-pure` (`--check` compares allocations
/// against `Thresholds/`).
let package = Package(
    name: "netplan-flannel-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        // Named, since a path dependency is otherwise known by its directory name (main, a CI clone…).
        .package(name: "netplan-flannel", path: ".."),
        // Malloc counts come from the interposer; the runtime interposer (ARC counts) is left off.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "PureBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "NetState", package: "netplan-flannel"),
                .product(name: "Desired", package: "netplan-flannel"),
                .product(name: "Planner", package: "netplan-flannel"),
            ],
            path: "Benchmarks/PureBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
