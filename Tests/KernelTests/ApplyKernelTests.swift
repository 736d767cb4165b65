import Apply
import CMnl
import Desired
import Foundation
import NetState
import Netlink
import Observed
import Planner
import Testing

/// The executor against a real kernel, in throwaway namespaces that look like node 172.22.0.239
/// of the seed000-vxlan golden case (an `eth0` with 172.22.0.239/20 and a default route).
@Suite(.enabled(if: KernelTestEnvironment.isRoot, "needs root for network namespaces"))
struct ApplyKernelTests {
    static let caseDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Golden/Cases/seed000-vxlan")
    static let nodeIP = IPv4Address(172, 22, 0, 239)

    /// A node namespace: `lo` up, `eth0` (a veth whose peer stays inside, up) with
    /// 172.22.0.239/20, default route via 172.22.0.1.
    func makeNode(_ registry: NamespaceRegistry, tag: String) throws -> String {
        let namespace = RunNames.nextPrefix() + tag
        try NodeNamespace.create(registry, name: namespace)
        return namespace
    }

    /// Seed 000's net-conf and leases, from the golden case.
    func seed() throws -> (NetConf, [Lease]) {
        let netConf = try NetConfReader.parse(
            Array(try Data(contentsOf: Self.caseDirectory.appendingPathComponent("net-conf.json"))), source: "net-conf.json"
        )
        let leases = try LeaseReader.parse(
            Array(try Data(contentsOf: Self.caseDirectory.appendingPathComponent("leases.json"))), source: "leases.json"
        )
        return (netConf, leases)
    }

    func ip(_ namespace: String, _ args: String...) throws -> [String] {
        try Shell.run(["ip", "-n", namespace] + args).stdout.split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// Reads the node as the CLI does: rtnetlink objects plus flannel's nf_tables table.
    func observe(_ namespace: String, peers: [IPv4Address]) throws -> ObservedNode {
        try NetworkNamespace.run(in: namespace) {
            var node = try Observer.observe(vxlanDevice: "flannel.1", underlay: "eth0", peers: peers.map(IPAddress.v4))
            if let table = try NftReader.readTable(NftTable.flannelKey) { node.state.tables[table.key] = table }
            for table in try NftReader.readChains(LiveKernel.iptablesChains) { node.state.tables[table.key] = table }
            return node
        }
    }

    func apply(_ plan: Plan, in namespace: String, applier: Applier = Applier()) throws -> ApplyReport {
        try NetworkNamespace.run(in: namespace) {
            let socket = try NetlinkSocket(protocol: NETLINK_ROUTE)
            defer { socket.close() }
            try socket.setReceiveTimeout(milliseconds: 10_000)
            return applier.apply(plan, using: socket, tables: KernelNftApplier(), deviceConf: KernelDeviceConf())
        }
    }

    @Test func applyingThePlanConvergesAndTheNextPlanIsEmpty() throws {
        let (netConf, leases) = try seed()
        let registry = NamespaceRegistry()
        defer { registry.deleteAll() }
        let namespace = try makeNode(registry, tag: "apply")
        let peers = leases.compactMap(\.publicIP)

        let before = try observe(namespace, peers: peers)
        let desired = try DesiredState.compute(
            netConf: netConf, leases: leases, node: .publicIP(Self.nodeIP), facts: before.facts, source: "leases.json"
        )
        let ownership = Ownership(cluster: netConf.network!, ownSubnet: desired.ownLease.subnet, vxlanDevice: "flannel.1", underlay: "eth0", subnetLengths: [24])
        let plan = Planner.plan(desired: desired.state, observed: before.state, ownership: ownership)
        // Device, address, 5 fdb entries, 5 neighbours, 5 routes, flannel's rules in filter and nat.
        #expect(plan.changes.count == 19)

        let report = try apply(plan, in: namespace)
        #expect(report.failure == nil, "\(String(describing: report.failure))")
        #expect(report.isComplete)
        #expect(report.applied == plan.changes)
        #expect(report.requestBatches == 5, "create, up, one batch of 16, one nf_tables transaction per table")

        let after = try observe(namespace, peers: peers)
        let again = Planner.plan(desired: desired.state, observed: after.state, ownership: ownership)
        #expect(again.isEmpty, "\(again.changes.map(\.description))")
        #expect(after.state.vxlan == desired.state.vxlan)

        let routes = try ip(namespace, "route", "show").filter { $0.contains("flannel.1") }
        #expect(routes == desired.state.sortedRoutes.map(\.description))
        #expect(try ip(namespace, "-d", "link", "show", "flannel.1").joined().contains("vxlan id 1 local 172.22.0.239 dev eth0"))
    }

    /// Drift of every kind, made with `ip`/`bridge` on a converged node, is repaired by one
    /// apply: in-place link changes (MTU, learning, up), replaced fdb/neighbour values, a
    /// missing route, a stale peer's objects; then a device the kernel cannot change in place
    /// (another VNI) is re-created with everything on it.
    @Test(arguments: [
        ("in place", [
            ["ip", "link", "set", "flannel.1", "mtu", "1400"],
            ["ip", "link", "set", "flannel.1", "type", "vxlan", "learning"],
            ["ip", "route", "del", "10.244.3.0/24"],
            ["bridge", "fdb", "replace", "0e:4c:8b:10:02:01", "dev", "flannel.1", "dst", "172.22.9.9", "self", "permanent"],
            ["ip", "neigh", "replace", "10.244.4.0", "lladdr", "0e:4c:8b:10:09:09", "dev", "flannel.1", "nud", "permanent"],
            ["ip", "route", "add", "10.244.77.0/24", "via", "10.244.77.0", "dev", "flannel.1", "onlink"],
            ["ip", "neigh", "add", "10.244.77.0", "lladdr", "0e:4c:8b:10:77:01", "dev", "flannel.1", "nud", "permanent"],
            ["bridge", "fdb", "add", "0e:4c:8b:10:77:01", "dev", "flannel.1", "dst", "172.22.7.7", "self", "permanent"],
            ["ip", "link", "set", "flannel.1", "down"],
        ]),
        ("re-created", [
            ["ip", "link", "del", "flannel.1"],
            ["ip", "link", "add", "flannel.1", "type", "vxlan", "id", "2", "local", "172.22.0.239", "dev", "eth0", "dstport", "8472"],
            ["ip", "link", "set", "flannel.1", "up"],
            ["ip", "route", "add", "10.244.1.0/24", "via", "10.244.1.0", "dev", "flannel.1", "onlink"],
        ]),
    ])
    func driftIsRepairedByOneApply(_ name: String, _ drift: [[String]]) throws {
        let (netConf, leases) = try seed()
        let registry = NamespaceRegistry()
        defer { registry.deleteAll() }
        let namespace = try makeNode(registry, tag: "drift")
        let peers = leases.compactMap(\.publicIP)
        let empty = try observe(namespace, peers: peers)
        let desired = try DesiredState.compute(
            netConf: netConf, leases: leases, node: .publicIP(Self.nodeIP), facts: empty.facts, source: "leases.json"
        )
        let ownership = Ownership(cluster: netConf.network!, ownSubnet: desired.ownLease.subnet, vxlanDevice: "flannel.1", underlay: "eth0", subnetLengths: [24])
        let first = try apply(Planner.plan(desired: desired.state, observed: empty.state, ownership: ownership), in: namespace)
        try #require(first.isComplete, "\(String(describing: first.failure))")

        for command in drift {
            try Shell.run(["ip", "netns", "exec", namespace] + command)
        }
        let drifted = try observe(namespace, peers: peers)
        let repair = Planner.plan(desired: desired.state, observed: drifted.state, ownership: ownership)
        #expect(!repair.isEmpty)
        let report = try apply(repair, in: namespace)
        #expect(report.failure == nil, "\(name): \(String(describing: report.failure))")
        #expect(report.applied == repair.changes)

        let after = try observe(namespace, peers: peers)
        let again = Planner.plan(desired: desired.state, observed: after.state, ownership: ownership)
        #expect(again.isEmpty, "\(name): \(again.changes.map(\.description))")
    }

    /// A real refusal in the middle of a batch: the kernel ran the rest of that sendmsg, the
    /// executor says so, and sends nothing after it.
    @Test func aKernelRefusalMidBatchIsReportedExactly() throws {
        let registry = NamespaceRegistry()
        defer { registry.deleteAll() }
        let namespace = try makeNode(registry, tag: "fail")
        func route(_ third: UInt8, gateway: IPv4Address = IPv4Address(172, 22, 0, 1)) -> Change {
            .route(.create(Route(
                key: .init(destination: IPv4Prefix(address: IPv4Address(10, 244, third, 0), length: 24)), gateway: .v4(gateway), device: "eth0"
            )))
        }
        var changes = (1...10).map { route(UInt8($0)) }
        // Not on any connected network of eth0 and no onlink: the kernel refuses the nexthop.
        changes[4] = route(5, gateway: IPv4Address(192, 168, 99, 1))
        let plan = Plan(changes: changes, fingerprint: "0", ownership: Ownership(
            cluster: IPv4Prefix("10.244.0.0/16")!, ownSubnet: IPv4Prefix("10.244.0.0/24")!, vxlanDevice: "flannel.1", underlay: "eth0", subnetLengths: [24]
        ))
        let report = try apply(plan, in: namespace, applier: Applier(maxBatchMessages: 4))

        #expect(report.applied == Array(changes[0..<4]))
        let failure = try #require(report.failure)
        #expect(failure.change == changes[4])
        #expect(failure.error.errno == ENETUNREACH || failure.error.errno == EINVAL, "\(failure.error)")
        #expect(failure.error.extendedAck?.isEmpty == false, "the kernel's own reason: \(failure.error)")
        #expect(report.appliedAfterFailure == Array(changes[5..<8]))
        #expect(report.notAttempted == Array(changes[8..<10]))
        let installed = try ip(namespace, "route", "show").filter { $0.hasPrefix("10.244.") }
        #expect(installed.count == 7)
        #expect(!installed.contains { $0.hasPrefix("10.244.9.") || $0.hasPrefix("10.244.10.") })
    }

    /// 5,000 routes on a socket whose receive buffer is cut to the kernel's usual default: the
    /// ACKs would overflow it several times over if all were in flight; every one comes back.
    @Test func fiveThousandRoutesApplyCompletelyWithEveryAckMatched() throws {
        let registry = NamespaceRegistry()
        defer { registry.deleteAll() }
        let namespace = try makeNode(registry, tag: "5k")
        let routes = (0..<5000).map { index in
            Route(
                key: .init(destination: IPv4Prefix(address: IPv4Address(10, 100 + UInt8(index / 256), UInt8(index % 256), 0), length: 24)),
                gateway: .v4(IPv4Address(172, 22, 0, 1)), device: "eth0"
            )
        }
        let ownership = Ownership(cluster: IPv4Prefix("10.0.0.0/8")!, ownSubnet: IPv4Prefix("10.0.0.0/24")!, vxlanDevice: "flannel.1", underlay: "eth0", subnetLengths: [24])
        let create = Plan(changes: routes.map { .route(.create($0)) }, fingerprint: "0", ownership: ownership)
        let delete = Plan(changes: routes.map { .route(.delete($0)) }, fingerprint: "0", ownership: ownership)

        let (created, sends, receiveBuffer, seconds) = try NetworkNamespace.run(in: namespace) {
            () throws -> (ApplyReport, Int, Int, Double) in
            let socket = try NetlinkSocket(protocol: NETLINK_ROUTE)
            defer { socket.close() }
            var size: Int32 = 212_992
            setsockopt(socket.fileDescriptor, SOL_SOCKET, SO_RCVBUFFORCE, &size, socklen_t(MemoryLayout<Int32>.size))
            try socket.setReceiveTimeout(milliseconds: 10_000)
            let counting = CountingTransport(socket)
            let start = Date()
            let report = Applier().apply(create, using: counting)
            return (report, counting.sends, socket.receiveBufferBytes ?? 0, Date().timeIntervalSince(start))
        }
        print("5,000 routes: \(sends) sendmsg calls (1 index dump), \(created.requestBatches) executor batches, "
              + "SO_RCVBUF \(receiveBuffer), \(String(format: "%.3f", seconds)) s")
        #expect(receiveBuffer <= 512 * 1024)
        #expect(created.failure == nil, "\(String(describing: created.failure))")
        #expect(created.applied.count == 5000)
        #expect(created.isComplete)
        #expect(sends < 100, "batched, not one sendmsg per route")
        let listed = try ip(namespace, "route", "show").filter { $0.hasPrefix("10.1") && $0.contains("via 172.22.0.1 dev eth0") }
        #expect(listed.count == 5000)

        let removed = try apply(delete, in: namespace)
        #expect(removed.isComplete)
        #expect(removed.applied.count == 5000)
        #expect(try ip(namespace, "route", "show").filter { $0.hasPrefix("10.1") }.isEmpty)
    }
}

/// Counts `sendmsg` calls of the transport it wraps.
final class CountingTransport<Base: NetlinkTransport>: NetlinkTransport {
    let base: Base
    private(set) var sends = 0

    init(_ base: Base) { self.base = base }

    var portID: UInt32 { base.portID }
    var receiveBufferBytes: Int? { base.receiveBufferBytes }
    func nextSequence() -> UInt32 { base.nextSequence() }

    func send(_ bytes: [UInt8]) throws(NetlinkError) {
        sends += 1
        try base.send(bytes)
    }

    func receive() throws(NetlinkError) -> [UInt8] { try base.receive() }
}
