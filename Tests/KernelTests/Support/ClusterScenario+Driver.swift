import Foundation

/// A `NamespaceCluster` run as a flannel cluster: one net-conf and one lease file shared by every
/// node (as etcd is), and `netplan-flannel` run inside each node the way an operator runs it.
///
/// The scenario tests change the inputs (a lease switches backend, a node leaves, DirectRouting
/// is turned on) and then call the tool node by node, so each step is what a rolling change in a
/// real cluster looks like. Files live in a directory of their own, deleted by `shutdown()`.
final class ClusterScenario: @unchecked Sendable {
    let cluster: NamespaceCluster
    let directory: URL
    var netConfPath: String { directory.appendingPathComponent("net-conf.json").path }
    var leasesPath: String { directory.appendingPathComponent("leases.json").path }

    /// The lease set: node index to how its lease advertises it. A node without a lease has left.
    private(set) var leases: [Int: ClusterNode.LeaseBackend]
    private(set) var directRouting: Bool
    /// net-conf `EnableNFTables`: flannel's nf_tables table instead of its iptables-mode rules.
    private(set) var nfTables = false

    /// Node indices that hold a lease, ascending.
    var members: [Int] { leases.keys.sorted() }

    /// A dual-stack cluster: IPv6 underlay and pods, `EnableIPv6` with `fd00:10:244::/56`, `&`
    /// lease keys with `PublicIPv6` and `BackendV6Data`.
    var dualStack: Bool { cluster.dualStack }

    /// Builds the namespaces and writes the inputs; nothing flannel-like is programmed yet.
    init(members: [Int] = [1, 2, 3, 4], directRouting: Bool = false, dualStack: Bool = false) throws {
        let cluster = try NamespaceCluster(dualStack: dualStack)
        self.cluster = cluster
        self.directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(cluster.prefix)inputs")
        self.leases = Dictionary(uniqueKeysWithValues: members.map { ($0, .vxlan) })
        self.directRouting = directRouting
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try writeNetConf()
            try writeLeases()
        } catch {
            shutdown()
            throw error
        }
    }

    /// Deletes every namespace and the input files. Safe to call twice.
    func shutdown() {
        cluster.shutdown()
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { shutdown() }

    // MARK: - Inputs

    func setDirectRouting(_ on: Bool) throws {
        directRouting = on
        try writeNetConf()
    }

    func setNFTables(_ on: Bool) throws {
        nfTables = on
        try writeNetConf()
    }

    /// Changes how node `index`'s lease advertises it; `nil` removes the lease (the node leaves).
    func setLease(_ index: Int, _ backend: ClusterNode.LeaseBackend?) throws {
        leases[index] = backend
        try writeLeases()
    }

    private func writeNetConf() throws {
        var backend: [String: Any] = ["Type": "vxlan"]
        if directRouting { backend["DirectRouting"] = true }
        var netConf: [String: Any] = ["Network": "10.244.0.0/16", "Backend": backend]
        if nfTables { netConf["EnableNFTables"] = true }
        if dualStack {
            netConf["EnableIPv6"] = true
            netConf["IPv6Network"] = "fd00:10:244::/56"
        }
        try write(netConf, to: netConfPath)
    }

    private func writeLeases() throws {
        var object: [String: Any] = [:]
        for (index, backend) in leases {
            let node = try cluster.node(index)
            object[dualStack ? node.dualStackLeaseKey : node.leaseKey] = node.leaseValue(backend, dualStack: dualStack)
        }
        try write(object, to: leasesPath)
    }

    private func write(_ object: [String: Any], to path: String) throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    // MARK: - The tool

    /// The inputs every command takes on node `index`.
    func inputs(node index: Int) throws -> [String] {
        ["--net-conf", netConfPath, "--leases", leasesPath, "--node-ip", try cluster.node(index).publicIP]
    }

    /// `netplan-flannel <command> <inputs> <extra>` inside node `index`; never throws on a
    /// non-zero exit (the status is what many tests look at).
    @discardableResult
    func tool(_ command: String, node index: Int, _ extra: [String] = []) throws -> CommandResult {
        try cluster.exec(node: index, [ToolBinary.path, command] + inputs(node: index) + extra, check: false, timeout: 30)
    }

    /// `netplan-flannel <command>` inside node `index` with the lease file at `leases` instead of
    /// the shared one: one node that reads other leases than the rest of the cluster.
    @discardableResult
    func tool(_ command: String, node index: Int, leases path: String, _ extra: [String] = []) throws -> CommandResult {
        let inputs = ["--net-conf", netConfPath, "--leases", path, "--node-ip", try cluster.node(index).publicIP]
        return try cluster.exec(node: index, [ToolBinary.path, command] + inputs + extra, check: false, timeout: 30)
    }

    /// Writes a lease file named `name` in the scenario's directory holding the current leases,
    /// with node `i`'s value replaced by `overrides[i]` (any JSON, so a value may be broken on
    /// purpose). Returns its path.
    func writeLeaseFile(named name: String, overriding overrides: [Int: [String: Any]]) throws -> String {
        var object: [String: Any] = [:]
        for (index, backend) in leases {
            let node = try cluster.node(index)
            object[dualStack ? node.dualStackLeaseKey : node.leaseKey] = overrides[index] ?? node.leaseValue(backend, dualStack: dualStack)
        }
        let path = directory.appendingPathComponent(name).path
        try write(object, to: path)
        return path
    }

    /// `apply <extra>` on each of `nodes` in turn; throws at the first that does not exit 0, with
    /// its output, so a failed step is never mistaken for a converged one.
    @discardableResult
    func apply(on nodes: [Int], _ extra: [String] = []) throws -> [CommandResult] {
        try nodes.map { index in
            let result = try tool("apply", node: index, extra)
            guard result.succeeded else { throw ScenarioError.toolFailed(node: index, result) }
            return result
        }
    }

    /// `apply` on every node that holds a lease.
    @discardableResult
    func applyOnMembers() throws -> [CommandResult] { try apply(on: members) }

    /// Nodes among `nodes` whose `plan --detailed-exitcode` does not exit 0, with the plan, for
    /// `#expect(... .isEmpty)`.
    func nodesWithPendingChanges(_ nodes: [Int]) throws -> [String] {
        try nodes.compactMap { index in
            let result = try tool("plan", node: index, ["--detailed-exitcode"])
            return result.status == 0 ? nil : "n\(index) (exit \(result.status)):\n\(result.stdout)\(result.stderr)"
        }
    }

    // MARK: - Traffic

    /// Ordered pod pairs (from, to) among `nodes`, every direction.
    static func pairs(among nodes: [Int]) -> [(Int, Int)] {
        nodes.flatMap { from in nodes.filter { $0 != from }.map { (from, $0) } }
    }

    /// Pairs among `nodes` whose pods cannot ping each other (up to 3 tries, 1 s for a reply),
    /// as `n1→n4`; empty when every pod reaches every other.
    func unreachablePodPairs(among nodes: [Int]) throws -> [String] {
        try Self.pairs(among: nodes).compactMap { from, to in
            try cluster.canPing(fromPod: from, toPod: to, count: 3, timeout: 1) ? nil : "n\(from)→n\(to)"
        }
    }

    /// 10 ms pings, one per pair, running until `stop`ped.
    func startPings(_ pairs: [(Int, Int)]) throws -> PingSet {
        var monitors: [(String, PingMonitor)] = []
        for (from, to) in pairs {
            monitors.append(("n\(from)→n\(to)", try cluster.startPing(fromPod: from, toPod: to)))
        }
        return PingSet(monitors: monitors)
    }
}

/// Several running pings, stopped together.
struct PingSet {
    let monitors: [(String, PingMonitor)]

    /// Stops every ping and returns its report by pair label, in start order.
    func stop() throws -> [(pair: String, report: PingReport)] {
        try monitors.map { ($0.0, try $0.1.stop()) }
    }
}

enum ScenarioError: Error, CustomStringConvertible {
    case toolFailed(node: Int, CommandResult)

    var description: String {
        switch self {
        case .toolFailed(let node, let result):
            return "on n\(node): `\(result.command.suffix(from: 4).joined(separator: " "))` exited \(result.status)\n"
                + "\(result.stdout)\(result.stderr)"
        }
    }
}
