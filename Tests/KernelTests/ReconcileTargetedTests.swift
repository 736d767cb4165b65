import CMnl
import Foundation
import Glibc
import NetState
import Netlink
import Observed
import Planner
import Testing

/// A node with 2,000 peers (cluster 10.0.0.0/8, peers at 10.100.0.0/24 onwards), for drift
/// repair that must not grow with the cluster.
final class LargeReconcileNode: @unchecked Sendable {
    static let peerCount = 2000
    let node: ReconcileNode

    init(tag: String) throws {
        node = try ReconcileNode(tag: tag)
        do {
            try Self.netConf.write(toFile: node.path("net-conf.json"), atomically: true, encoding: .utf8)
            try Self.writeLeases(to: node.path("leases.json"), peers: (0..<Self.peerCount).map(Self.peer))
        } catch {
            node.shutdown()
            throw error
        }
    }

    static let netConf = #"{"Network": "10.0.0.0/8", "Backend": {"Type": "vxlan"}}"#

    static func peer(_ index: Int) -> (subnet: String, gateway: String, mac: String, publicIP: String) {
        let (high, low) = (100 + index / 256, index % 256)
        return ("10.\(high).\(low).0/24", "10.\(high).\(low).0", String(format: "0e:4c:8b:%02x:%02x:01", high, low),
                "172.22.\(1 + index / 250).\(1 + index % 250)")
    }

    static func writeLeases(to path: String, peers: [(subnet: String, gateway: String, mac: String, publicIP: String)]) throws {
        func lease(_ publicIP: String, _ mac: String) -> [String: Any] {
            ["PublicIP": publicIP, "BackendType": "vxlan", "BackendData": ["VNI": 1, "VtepMAC": mac]]
        }
        var leases: [String: Any] = ["/coreos.com/network/subnets/10.244.0.0-24": lease(ReconcileNode.nodeIP, "0e:4c:8b:10:00:01")]
        for peer in peers {
            leases["/coreos.com/network/subnets/" + peer.subnet.replacingOccurrences(of: "/", with: "-")] = lease(peer.publicIP, peer.mac)
        }
        try JSONSerialization.data(withJSONObject: leases).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Routes via flannel.1 in the cluster, one per line.
    func vxlanRoutes() -> [String] {
        ((try? Shell.run(["ip", "-n", node.namespace, "route", "show", "root", "10.0.0.0/8", "dev", "flannel.1"]).stdout) ?? "")
            .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
    }

    func hasRoute(_ peer: Int) -> Bool {
        let wanted = Self.peer(peer)
        return ((try? node.ip("route", "show", wanted.subnet)) ?? "").contains("via \(wanted.gateway) dev flannel.1 onlink")
    }

    func hasNeighbor(_ peer: Int) -> Bool {
        let wanted = Self.peer(peer)
        let line = (try? node.ip("neigh", "show", wanted.gateway, "dev", "flannel.1")) ?? ""
        return line.contains("lladdr \(wanted.mac)") && line.contains("PERMANENT")
    }

    func hasFdb(_ peer: Int) -> Bool {
        let wanted = Self.peer(peer)
        return node.fdb().contains("\(wanted.mac) dst \(wanted.publicIP) self permanent")
    }
}

/// Drift of a few objects on a large node is repaired by a targeted pass (the log line says
/// `scope=targeted`), quickly; foreign objects stay; a stale owned route goes; a lease change
/// still costs a full pass.
@Suite(.enabled(if: KernelTestEnvironment.isRoot, "needs root for network namespaces"))
struct ReconcileTargetedTests {
    /// The agent's "repaired" lines so far, with their scope.
    static func repairs(_ log: String) -> [(line: Substring, targeted: Bool)] {
        log.split(separator: "\n").filter { $0.contains("repaired:") }.map { ($0, $0.contains("scope=targeted")) }
    }

    @Test func driftOnALargeNodeIsRepairedByTargetedPasses() throws {
        let large = try LargeReconcileNode(tag: "targeted")
        let node = large.node
        defer { node.shutdown() }
        let agent = try node.startAgent(extra: ["--metrics-address", "127.0.0.1:9464", "--interval", "1h"])
        defer { agent.stop() }
        let converged = eventually(timeout: 60, poll: 0.1) {
            large.vxlanRoutes().count == LargeReconcileNode.peerCount && !Self.repairs(agent.log).isEmpty
        }
        try #require(converged != nil, "not converged: \(large.vxlanRoutes().count) routes\n\(agent.log.suffix(3000))")
        // The device's own announcements after its creation (link up, IPv6 DAD) may cost a full
        // pass or two: wait until the agent is quiet.
        var metricsBefore = node.get("http://127.0.0.1:9464/metrics").body
        for _ in 0..<20 {
            Thread.sleep(forTimeInterval: 0.5)
            let now = node.get("http://127.0.0.1:9464/metrics").body
            let settled = PrometheusText.value(now, "netplan_flannel_pass_scopes_total", labels: ["scope": "full"])
                == PrometheusText.value(metricsBefore, "netplan_flannel_pass_scopes_total", labels: ["scope": "full"])
            metricsBefore = now
            if settled { break }
        }
        let settleLines = agent.log.split(separator: "\n").filter { $0.contains("targeted repair") }

        // Deletions are made over netlink from this process and timed to the kernel's
        // announcement of the object back, seen on a notification socket inside the node.
        let editor = try NamespaceEditor(namespace: node.namespace, cluster: IPv4Prefix("10.0.0.0/8")!)
        let socket = try NetworkNamespace.run(in: node.namespace) { try NetlinkEventSocket(pollMilliseconds: 20) }
        defer { socket.close() }
        let clock = ContinuousClock()
        var samples: [Double] = []
        func repair(_ label: String, _ change: Change, isBack: (NetlinkMessage) -> Bool) throws {
            let before = Self.repairs(agent.log).count
            while case .events = try socket.next() {}
            let start = clock.now
            try editor.apply(change)
            var back = false
            while !back, clock.now - start < .seconds(5) {
                if case .events(let messages) = try socket.next() { back = messages.contains(where: isBack) }
            }
            try #require(back, "\(label) not repaired\n\(agent.log.suffix(3000))")
            let elapsed = clock.now - start
            samples.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
            let logged = eventually(timeout: 2) { Self.repairs(agent.log).count > before }
            try #require(logged != nil, "\(label): no repaired line\n\(agent.log.suffix(2000))")
            let line = Self.repairs(agent.log)[before]
            #expect(line.targeted, "\(label) was repaired by a full pass: \(line.line)")
            #expect(line.line.contains("1 added, 0 changed, 0 destroyed") || line.line.contains("0 added, 1 changed, 0 destroyed"),
                    "\(label): \(line.line)")
        }
        func route(_ peer: Int) -> Route {
            let wanted = LargeReconcileNode.peer(peer)
            return Route(key: Route.Key(destination: IPv4Prefix(wanted.subnet)!), gateway: IPAddress(wanted.gateway),
                         device: "flannel.1", onLink: true)
        }
        func routeBack(_ peer: Int) -> (NetlinkMessage) -> Bool {
            let subnet = LargeReconcileNode.peer(peer).subnet
            return { message in
                message.type == UInt16(RTM_NEWROUTE) && (try? RouteMessage(decoding: message))?.destination.description == subnet
            }
        }
        for run in 0..<8 {
            let peer = 17 + run * 247
            let wanted = LargeReconcileNode.peer(peer)
            let mac = try #require(MACAddress(wanted.mac))
            let gateway = try #require(IPv4Address(wanted.gateway))
            try repair("route \(peer)", .route(.delete(route(peer))), isBack: routeBack(peer))
            let neighbor = Neighbor(key: Neighbor.Key(device: "flannel.1", ip: gateway), lladdr: mac)
            try repair("neigh \(peer)", .neighbor(.delete(neighbor))) { message in
                guard message.type == UInt16(RTM_NEWNEIGH), let decoded = try? NeighborMessage(decoding: message) else { return false }
                return decoded.family == UInt8(AF_INET) && decoded.destination == .v4(gateway) && decoded.state == .permanent
                    && decoded.lladdr == mac
            }
            let entry = FdbEntry(device: "flannel.1", mac: mac, destination: try #require(IPAddress(wanted.publicIP)))
            try repair("fdb \(peer)", .fdb(.delete(entry))) { message in
                guard message.type == UInt16(RTM_NEWNEIGH), let decoded = try? NeighborMessage(decoding: message) else { return false }
                return decoded.family == UInt8(AF_BRIDGE) && decoded.lladdr == mac && decoded.destination == entry.destination
            }
        }
        #expect(large.hasRoute(17) && large.hasNeighbor(17) && large.hasFdb(17))
        let stats = percentiles(samples)
        print(String(format: "targeted repair at %d peers: n=%d median %.2f ms, p99 %.2f ms",
                     LargeReconcileNode.peerCount, samples.count, stats.median, stats.p99))
        #expect(stats.median <= 100, "median repair \(stats.median) ms > 100 ms")

        // A stale owned route (no lease names it) added by someone: deleted, as a full pass would.
        let repairsBefore = Self.repairs(agent.log).count
        try node.ip("route", "add", "10.99.0.0/24", "via", "10.99.0.0", "dev", "flannel.1", "onlink")
        let gone = eventually(timeout: 5) { ((try? node.ip("route", "show", "10.99.0.0/24")) ?? "x").isEmpty }
        #expect(gone != nil, "the stale route stays\n\(agent.log.suffix(2000))")
        _ = eventually(timeout: 2) { Self.repairs(agent.log).count > repairsBefore }
        let staleRepair = Self.repairs(agent.log).dropFirst(repairsBefore).first
        #expect(staleRepair?.targeted == true && staleRepair?.line.contains("0 added, 0 changed, 1 destroyed") == true,
                "\(String(describing: staleRepair?.line))")

        // Foreign objects in the cluster network, each announced: never touched.
        let foreignBefore = Self.repairs(agent.log).count
        try node.ip("route", "add", "blackhole", "10.98.0.0/24")
        try node.ip("route", "add", "10.97.0.0/24", "dev", "eth0", "table", "100")
        try node.ip("neigh", "add", "10.96.0.1", "lladdr", "0e:00:00:00:00:01", "dev", "flannel.1", "nud", "reachable")
        try node.ip("route", "add", "10.244.0.128/25", "dev", "eth0")
        Thread.sleep(forTimeInterval: 0.5)
        #expect(try node.ip("route", "show", "10.98.0.0/24").contains("blackhole"))
        #expect(try node.ip("route", "show", "table", "100").contains("10.97.0.0/24"))
        #expect(try node.ip("route", "show", "10.244.0.128/25").contains("dev eth0"))
        #expect(try node.ip("neigh", "show", "10.96.0.1", "dev", "flannel.1").contains("0e:00:00:00:00:01"))
        #expect(Self.repairs(agent.log).count == foreignBefore, "\(agent.log.suffix(2000))")
        // A connected-looking route into the Network on the underlay makes the next full pass
        // refuse the whole input (Ownership: the Network must not overlap the underlay's
        // networks); it has served its purpose here.
        try node.ip("route", "del", "10.244.0.128/25", "dev", "eth0")

        // Metrics: targeted passes counted, no full pass since convergence (the interval is 1 h).
        let metricsAfter = node.get("http://127.0.0.1:9464/metrics").body
        func delta(_ name: String, _ labels: [String: String]) -> Double {
            (PrometheusText.value(metricsAfter, name, labels: labels) ?? 0) - (PrometheusText.value(metricsBefore, name, labels: labels) ?? 0)
        }
        #expect(delta("netplan_flannel_pass_scopes_total", ["scope": "targeted"]) >= 25)
        let fallbacks = agent.log.split(separator: "\n").filter { $0.contains("targeted repair") }.dropFirst(settleLines.count)
        #expect(delta("netplan_flannel_pass_scopes_total", ["scope": "full"]) == 0, "\(fallbacks.joined(separator: "\n"))")
        #expect(delta("netplan_flannel_passes_total", ["result": "failed"]) == 0)

        // A lease change: a full pass, which also adds the new peer.
        let leaseBefore = Self.repairs(agent.log).count
        try LargeReconcileNode.writeLeases(
            to: node.path("leases.json"), peers: (0...LargeReconcileNode.peerCount).map(LargeReconcileNode.peer)
        )
        let added = eventually(timeout: 10, poll: 0.05) { large.hasRoute(LargeReconcileNode.peerCount) }
        #expect(added != nil, "the new lease was not followed\n\(agent.log.suffix(2000))")
        _ = eventually(timeout: 2) { Self.repairs(agent.log).count > leaseBefore }
        let leaseRepair = Self.repairs(agent.log).dropFirst(leaseBefore).first
        #expect(leaseRepair?.targeted == false && leaseRepair?.line.contains("scope=full") == true,
                "\(String(describing: leaseRepair?.line))")
        #expect(leaseRepair?.line.contains("reasons=leases") == true, "\(String(describing: leaseRepair?.line))")

        // Drift after the lease change is targeted again, against the new basis.
        try repair("route of the new peer", .route(.delete(route(LargeReconcileNode.peerCount))),
                   isBack: routeBack(LargeReconcileNode.peerCount))
        #expect(agent.stop() == 0, "\(agent.log.suffix(2000))")
    }

    /// Deleting the device is not for a targeted pass: a full pass re-creates it and everything
    /// on it, and drift after that is targeted again against the new device.
    @Test func theDeviceDeletedFallsBackToAFullPass() throws {
        let node = try ReconcileNode(tag: "tgtlink")
        defer { node.shutdown() }
        let agent = try node.startAgent(extra: ["--metrics-address", "off", "--interval", "1h"])
        defer { agent.stop() }
        try #require(eventually(timeout: 10) { node.isConverged } != nil, "not converged:\n\(agent.log)")
        let before = Self.repairs(agent.log).count
        try node.ip("link", "del", "flannel.1")
        try #require(eventually(timeout: 5) { node.isConverged && node.fdb().contains("0e:4c:8b:10:05:01") } != nil,
                     "not re-created\n\(agent.log.suffix(2000))")
        _ = eventually(timeout: 2) { Self.repairs(agent.log).count > before }
        let relink = Self.repairs(agent.log).dropFirst(before).first
        #expect(relink?.targeted == false, "\(String(describing: relink?.line))")
        // The next deletion is planned against the re-created device.
        Thread.sleep(forTimeInterval: 0.2)
        let after = Self.repairs(agent.log).count
        let peer = ReconcileNode.peers[1]
        try node.ip("neigh", "del", peer.gateway, "dev", "flannel.1")
        let back = eventually(timeout: 5) {
            let line = (try? node.ip("neigh", "show", peer.gateway, "dev", "flannel.1")) ?? ""
            return line.contains(peer.mac) && line.contains("PERMANENT")
        }
        #expect(back != nil, "\(agent.log.suffix(2000))")
        _ = eventually(timeout: 2) { Self.repairs(agent.log).count > after }
        #expect(Self.repairs(agent.log).dropFirst(after).first?.targeted == true, "\(agent.log.suffix(2000))")
    }
}
