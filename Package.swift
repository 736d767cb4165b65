// swift-tools-version:6.0
import PackageDescription

/// Every target builds in Swift 6 language mode with strict concurrency; the upcoming features
/// keep `any` explicit and imports honest.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "netplan-flannel",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "netplan-flannel", targets: ["netplan-flannel"]),
        // The pure core, for the benchmarks package (Benchmarks/) and anyone embedding the planner.
        .library(name: "NetState", targets: ["NetState"]),
        .library(name: "Desired", targets: ["Desired"]),
        .library(name: "Planner", targets: ["Planner"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        // reconcile: etcd's v3 JSON gateway client, logs, Prometheus metrics and their HTTP server.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.20.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.65.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.27.0"),
        // The API source asks for gzipped lists, as kube-apiserver serves them (AsyncHTTPClient's decompressor).
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.20.0"),
    ],
    targets: [
        // C libraries, imported as system modules (pkg-config + apt providers).
        .systemLibrary(name: "CMnl", pkgConfig: "libmnl", providers: [.apt(["libmnl-dev"])]),
        .systemLibrary(name: "CNftnl", pkgConfig: "libnftnl", providers: [.apt(["libnftnl-dev"])]),

        // Pure value types of kernel network state. Standard library only.
        .target(name: "NetState", swiftSettings: swiftSettings),
        // The version (VERSION) and commit of this build, written by the plugin below from
        // scripts/build-info whenever VERSION or git's HEAD changes. Standard library only.
        .target(name: "BuildInfo", swiftSettings: swiftSettings, plugins: ["BuildInfoPlugin"]),
        .plugin(name: "BuildInfoPlugin", capability: .buildTool()),
        // Strict JSON lexing over bytes, shared by the input parser and the snapshot reader.
        .target(name: "JSONLexing", swiftSettings: swiftSettings),
        // The one reader of input files: regular files or stdin, under a size cap per kind.
        .target(name: "InputFiles", swiftSettings: swiftSettings),
        // Flannel's inputs and the pure desired-state function.
        .target(name: "Desired", dependencies: ["NetState", "JSONLexing", "InputFiles", "Yams"], swiftSettings: swiftSettings),
        // The only code that opens sockets (libmnl, libnftnl).
        .target(name: "Netlink", dependencies: ["CMnl", "CNftnl"], swiftSettings: swiftSettings),
        // Dump requests, pure decoders, the live Observer.
        .target(name: "Observed", dependencies: ["NetState", "Netlink"], swiftSettings: swiftSettings),
        // diff(desired, observed) -> Plan, ordering, rendering, fingerprint.
        .target(name: "Planner", dependencies: ["NetState"], swiftSettings: swiftSettings),
        // The one reader and writer of snapshots and plan files (pure): one field table per type.
        .target(name: "StateJSON", dependencies: ["NetState", "Planner", "JSONLexing"], swiftSettings: swiftSettings),
        // Change -> netlink messages (pure) and the batching executor.
        .target(name: "Apply", dependencies: ["NetState", "Planner", "Netlink"], swiftSettings: swiftSettings),
        // Live lease sources for `reconcile`: a watched file and etcd (v3 JSON gateway).
        .target(
            name: "LeaseSources",
            dependencies: [
                "Desired", "InputFiles",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTPCompression", package: "swift-nio-extras"),
            ],
            swiftSettings: swiftSettings
        ),
        // The node agent `reconcile` runs: passes, targeted repair, the lease store, metrics and
        // their HTTP server. Everything but the command line.
        .target(
            name: "Reconcile",
            dependencies: [
                "NetState", "Desired", "Observed", "Planner", "Apply", "Netlink", "LeaseSources", "BuildInfo",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The commands, as a library so golden tests run exactly what the binary runs.
        .target(
            name: "NetplanCLI",
            dependencies: [
                "NetState", "Desired", "Observed", "Planner", "StateJSON", "Apply", "Netlink", "LeaseSources", "InputFiles",
                "Reconcile", "BuildInfo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(name: "netplan-flannel", dependencies: ["NetplanCLI"], swiftSettings: swiftSettings),
        // The mutation fuzzer of the input parsers, run by CI for a bounded time (.ci/run).
        .executableTarget(
            name: "netplan-fuzz", dependencies: ["Desired", "StateJSON", "NetState", "Netlink", "Observed", "Planner", "LeaseSources", "InputFiles"], swiftSettings: swiftSettings
        ),

        .testTarget(name: "NetStateTests", dependencies: ["NetState", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "BuildInfoTests", dependencies: ["BuildInfo"], swiftSettings: swiftSettings),
        .testTarget(name: "InputFilesTests", dependencies: ["InputFiles"], swiftSettings: swiftSettings),
        .testTarget(name: "DesiredTests", dependencies: ["Desired", "NetState", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "NetlinkTests", dependencies: ["Netlink", "CMnl", "CNftnl", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ObservedTests",
            dependencies: ["Observed", "NetState", "Netlink", "TestSupport", "Desired", "Planner"],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LeaseSourcesTests", dependencies: ["LeaseSources", "Desired", "NetState", "InputFiles"], exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ReconcileTests",
            dependencies: [
                "Reconcile", "LeaseSources", "Desired", "NetState", "Netlink", "Planner", "Apply", "CMnl", "BuildInfo",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // DESIGN.md's target table, checked against the import lines of Sources/ (no root).
        .testTarget(name: "ArchitectureTests", swiftSettings: swiftSettings),
        .testTarget(name: "StateJSONTests", dependencies: ["StateJSON", "NetState", "Planner"], swiftSettings: swiftSettings),
        .testTarget(name: "PlannerTests", dependencies: ["Planner", "NetState", "TestSupport", "Desired"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ApplyTests", dependencies: ["Apply", "Planner", "NetState", "Netlink", "TestSupport", "Desired"],
            swiftSettings: swiftSettings
        ),
        // What several test targets share: the flannel scenarios and nf_tables fixtures, throwaway
        // namespaces, and the netlink ACK a fake kernel answers with.
        .target(name: "TestSupport", dependencies: ["NetState", "Netlink", "CMnl"], path: "Tests/TestSupport", swiftSettings: swiftSettings),
        .testTarget(
            name: "Golden",
            dependencies: ["NetplanCLI", "Desired", "NetState", "Planner", "Observed", "StateJSON", "BuildInfo"],
            exclude: ["Cases"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KernelTests",
            dependencies: [
                "NetplanCLI", "Desired", "NetState", "Planner", "Observed", "StateJSON", "Apply", "Netlink", "TestSupport", "CMnl",
                "BuildInfo", "LeaseSources",
                // The etcd source in-process, its event loop's threads in the node's namespace.
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
