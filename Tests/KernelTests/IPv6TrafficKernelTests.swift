import Foundation
import NetState
import Netlink
import Observed
import Planner
import Testing

/// Real traffic over `flannel-v6.1`: two dual-stack nodes on one underlay bridge, a pod behind
/// each, both programmed by the executor from `DualStackNodes`' desired states; pods ping each
/// other over IPv6 (vxlan over an IPv6 underlay) and over IPv4 (`flannel.1`) on the same pair.
///
/// ```
///   sw: br0 ── n1 eth0 172.22.0.11/24 fd00:22::11/64      n2 eth0 172.22.0.12/24 fd00:22::12/64
///              n1 pv 10.244.1.1/24 fd00:10:244:1::1/64    n2 pv 10.244.2.1/24 fd00:10:244:2::1/64
///              pod1 eth0 10.244.1.2 fd00:10:244:1::2       pod2 eth0 10.244.2.2 fd00:10:244:2::2
/// ```
@Suite(.enabled(if: KernelTestEnvironment.isRoot, "needs root for network namespaces"))
struct IPv6TrafficKernelTests {
    typealias D = DualStackNodes

    struct Topology {
        let registry = NamespaceRegistry()
        let prefix: String
        var switchNamespace: String { prefix + "sw" }
        func node(_ n: Int) -> String { prefix + "n\(n)" }
        func pod(_ n: Int) -> String { prefix + "p\(n)" }

        init() throws {
            prefix = try RunNames.unusedPrefix()
            do {
                try build()
            } catch {
                registry.deleteAll()
                throw error
            }
        }

        private func ip(_ namespace: String, _ args: String...) throws {
            try Shell.run(["ip", "-n", namespace] + args)
        }

        private func build() throws {
            for name in [switchNamespace, node(1), node(2), pod(1), pod(2)] {
                try registry.create(name)
                try ip(name, "link", "set", "lo", "up")
            }
            try ip(switchNamespace, "link", "add", "br0", "type", "bridge")
            try ip(switchNamespace, "link", "set", "br0", "up")
            for n in [1, 2] {
                let (nodeNS, podNS) = (node(n), pod(n))
                try Sysctl.write(namespace: nodeNS, key: "net.ipv4.ip_forward", value: "1")
                try Sysctl.write(namespace: nodeNS, key: "net.ipv6.conf.all.forwarding", value: "1")
                try ip(switchNamespace, "link", "add", "p\(n)", "type", "veth", "peer", "name", "eth0", "netns", nodeNS)
                try ip(switchNamespace, "link", "set", "p\(n)", "master", "br0", "up")
                try ip(nodeNS, "addr", "add", "\(D.p4(n))/24", "dev", "eth0")
                try ip(nodeNS, "-6", "addr", "add", "\(D.p6(n))/64", "dev", "eth0", "nodad")
                try ip(nodeNS, "link", "set", "eth0", "up")
                // The pod network: a veth to the pod, the node's end holding S.1 and S6::1.
                try ip(nodeNS, "link", "add", "pv", "type", "veth", "peer", "name", "eth0", "netns", podNS)
                try ip(nodeNS, "addr", "add", "10.244.\(n).1/24", "dev", "pv")
                try ip(nodeNS, "-6", "addr", "add", "fd00:10:244:\(n)::1/64", "dev", "pv", "nodad")
                try ip(nodeNS, "link", "set", "pv", "up")
                try ip(podNS, "addr", "add", "10.244.\(n).2/24", "dev", "eth0")
                try ip(podNS, "-6", "addr", "add", "fd00:10:244:\(n)::2/64", "dev", "eth0", "nodad")
                try ip(podNS, "link", "set", "eth0", "up")
                try ip(podNS, "route", "add", "default", "via", "10.244.\(n).1")
                try ip(podNS, "-6", "route", "add", "default", "via", "fd00:10:244:\(n)::1")
            }
        }

        func ping(from n: Int, to address: String, ipv6: Bool) throws -> CommandResult {
            try Shell.run(
                ["ip", "netns", "exec", pod(n), "ping"] + (ipv6 ? ["-6"] : []) + ["-c", "2", "-i", "0.2", "-W", "2", address],
                check: false, timeout: 20
            )
        }
    }

    @Test func podsReachEachOtherOverFlannelV6AndFlannelV4() throws {
        let topology = try Topology()
        defer { topology.registry.deleteAll() }

        // Nothing programmed: no route between the pods.
        #expect(try !topology.ping(from: 1, to: "fd00:10:244:2::2", ipv6: true).succeeded)

        for (n, peer) in [(1, 2), (2, 1)] {
            let namespace = topology.node(n)
            let desired = D.desired(node: n, vxlanPeers: [peer])
            let ownership = D.ownership(node: n)
            let peers: [IPAddress] = [.v4(D.p4(peer)), .v6(D.p6(peer))]
            let before = try D.observe(namespace, peers: peers)
            #expect(before.facts.routeLookups == [.v4(D.p4(peer)): true, .v6(D.p6(peer)): true])
            let report = try D.apply(Planner.plan(desired: desired, observed: before.state, ownership: ownership), in: namespace)
            #expect(report.failure == nil, "node \(n): \(String(describing: report.failure))")
            #expect(report.isComplete)
            let after = try D.observe(namespace, peers: peers)
            #expect(after.state.vxlan6 == desired.vxlan6)
            #expect(Planner.plan(desired: desired, observed: after.state, ownership: ownership).isEmpty)
        }

        for (from, to) in [(1, 2), (2, 1)] {
            let v6 = try topology.ping(from: from, to: "fd00:10:244:\(to)::2", ipv6: true)
            #expect(v6.succeeded, "ping -6 pod\(from) → pod\(to): \(v6.stdout) \(v6.stderr)")
            let v4 = try topology.ping(from: from, to: "10.244.\(to).2", ipv6: false)
            #expect(v4.succeeded, "ping pod\(from) → pod\(to): \(v4.stdout) \(v4.stderr)")
        }
        // The IPv6 traffic went through flannel-v6.1, encapsulated over the IPv6 underlay.
        let counters = try Shell.run(["ip", "-n", topology.node(1), "-s", "link", "show", "flannel-v6.1"]).stdout
        let lines = counters.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let tx = lines.firstIndex { $0.hasPrefix("TX:") }.flatMap { lines.indices.contains($0 + 1) ? lines[$0 + 1] : nil }
        let packets = tx.flatMap { $0.split(separator: " ").dropFirst().first }.flatMap { Int($0) } ?? 0
        #expect(packets >= 2, "\(counters)")
    }
}
