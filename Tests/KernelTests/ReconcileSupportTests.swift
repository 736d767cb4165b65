import Foundation
import Glibc
import Testing

/// A background process (the agent, etcd) started in a namespace with `ip netns exec`, which
/// execs in place: the child's pid is the program's, so signals reach it directly. Output goes
/// to a file (a pipe nobody drains would stall it) that a failing test prints.
final class BackgroundProcess: @unchecked Sendable {
    let command: [String]
    let logURL: URL
    private let process: Process

    init(namespace: String, _ command: [String], logName: String) throws {
        let full = ["ip", "netns", "exec", namespace] + command
        self.command = full
        guard let ip = Shell.resolve("ip") else {
            throw ShellError(command: full, reason: .executableNotFound, stdout: "", stderr: "")
        }
        logURL = FileManager.default.temporaryDirectory.appendingPathComponent("\(namespace)-\(logName)-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let output = try FileHandle(forWritingTo: logURL)
        defer { try? output.close() }
        process = Process()
        process.executableURL = ip
        process.arguments = Array(full.dropFirst())
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        do {
            try process.run()
        } catch {
            throw ShellError(command: full, reason: .launchFailed("\(error)"), stdout: "", stderr: "")
        }
    }

    deinit {
        kill(SIGKILL)
        try? FileManager.default.removeItem(at: logURL)
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    func kill(_ signal: Int32) {
        if process.isRunning { Glibc.kill(process.processIdentifier, signal) }
    }

    /// Waits for the exit; nil if still running after `timeout` seconds.
    func waitForExit(timeout: Double) -> Int32? {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning { return nil }
        return process.terminationStatus
    }

    /// Stops with SIGTERM, then SIGKILL after `grace` seconds; returns the exit status.
    @discardableResult
    func stop(grace: Double = 5) -> Int32? {
        kill(SIGTERM)
        if let status = waitForExit(timeout: grace) { return status }
        kill(SIGKILL)
        return waitForExit(timeout: 5)
    }
}

/// A node namespace shaped like node 172.22.0.239 of the seed000-vxlan golden case, and the
/// case's inputs in a temporary directory.
final class ReconcileNode: @unchecked Sendable {
    static let caseDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Golden/Cases/seed000-vxlan")
    static let nodeIP = "172.22.0.239"
    /// The five peers' subnets and VtepMACs of the case (node 0 is us).
    static let peers: [(subnet: String, gateway: String, mac: String, publicIP: String)] = [
        ("10.244.1.0/24", "10.244.1.0", "0e:4c:8b:10:01:01", "172.22.1.176"),
        ("10.244.2.0/24", "10.244.2.0", "0e:4c:8b:10:02:01", "172.22.0.117"),
        ("10.244.3.0/24", "10.244.3.0", "0e:4c:8b:10:03:01", "172.22.0.76"),
        ("10.244.4.0/24", "10.244.4.0", "0e:4c:8b:10:04:01", "172.22.0.212"),
        ("10.244.5.0/24", "10.244.5.0", "0e:4c:8b:10:05:01", "172.22.0.64"),
    ]

    let registry = NamespaceRegistry()
    let namespace: String
    let directory: URL

    init(tag: String) throws {
        namespace = try RunNames.unusedPrefix() + tag
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(namespace)-files")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try NodeNamespace.create(registry, name: namespace)
            for name in ["net-conf.json", "leases.json"] {
                try FileManager.default.copyItem(
                    at: Self.caseDirectory.appendingPathComponent(name), to: directory.appendingPathComponent(name)
                )
            }
        } catch {
            shutdown()
            throw error
        }
    }

    deinit { shutdown() }

    func shutdown() {
        registry.deleteAll()
        try? FileManager.default.removeItem(at: directory)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// The agent on the case's files (or on `leases`), with its log at `agent.log`.
    func startAgent(leases: String? = nil, netConf: Bool = true, extra: [String] = []) throws -> BackgroundProcess {
        var arguments = [ToolBinary.path, "reconcile", "--leases", leases ?? path("leases.json"), "--node-ip", Self.nodeIP, "--log-level", "debug"]
        if netConf { arguments += ["--net-conf", path("net-conf.json")] }
        return try BackgroundProcess(namespace: namespace, arguments + extra, logName: "agent")
    }

    @discardableResult
    func ip(_ args: String...) throws -> String {
        try Shell.run(["ip", "-n", namespace] + args).stdout
    }

    /// Peer routes through flannel.1 (or any owned route in 10.244.0.0/16), one per line.
    func flannelRoutes() -> [String] {
        ((try? Shell.run(["ip", "-n", namespace, "route", "show", "root", "10.244.0.0/16"]).stdout) ?? "")
            .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
    }

    func neighbors() -> String { (try? Shell.run(["ip", "-n", namespace, "neigh", "show", "dev", "flannel.1"]).stdout) ?? "" }
    func fdb() -> String { (try? Shell.run(["bridge", "-n", namespace, "fdb", "show", "dev", "flannel.1"]).stdout) ?? "" }

    /// `curl` inside the namespace (the agent listens on its loopback).
    func get(_ url: String) -> (status: Int32, body: String) {
        guard let result = try? Shell.run(["ip", "netns", "exec", namespace, "curl", "-s", "-S", "-m", "3", "-f", url], check: false) else {
            return (-1, "")
        }
        return (result.status, result.stdout)
    }

    /// True once every peer has its flannel.1 route.
    var isConverged: Bool {
        let routes = flannelRoutes()
        return Self.peers.allSatisfy { peer in routes.contains { $0.hasPrefix("\(peer.subnet) via \(peer.gateway) dev flannel.1") } }
    }
}

/// Polls `condition` every `poll` seconds until it holds; returns the seconds it took, or nil.
@discardableResult
func eventually(timeout: Double, poll: Double = 0.01, _ condition: () throws -> Bool) rethrows -> Double? {
    let start = Date()
    while true {
        if try condition() { return Date().timeIntervalSince(start) }
        if Date().timeIntervalSince(start) > timeout { return nil }
        Thread.sleep(forTimeInterval: poll)
    }
}

/// Median and 99th percentile (nearest rank) of samples in milliseconds.
func percentiles(_ samples: [Double]) -> (median: Double, p99: Double, max: Double) {
    let sorted = samples.sorted()
    guard !sorted.isEmpty else { return (0, 0, 0) }
    func rank(_ p: Double) -> Double { sorted[max(0, min(sorted.count - 1, Int((p * Double(sorted.count)).rounded(.up)) - 1))] }
    return (rank(0.5), rank(0.99), sorted[sorted.count - 1])
}

/// Checks the harness itself, so a broken helper fails here rather than as a mystery later.
struct ReconcileSupportTests {
    @Test func percentilesUseNearestRank() {
        let samples = (1...100).map(Double.init)
        let result = percentiles(samples)
        #expect(result.median == 50)
        #expect(result.p99 == 99)
        #expect(result.max == 100)
        #expect(percentiles([3, 1, 2]).median == 2)
    }
}
