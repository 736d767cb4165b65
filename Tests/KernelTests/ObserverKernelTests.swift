import CMnl
import Foundation
import NetState
import Netlink
import Observed
import Testing
import TestSupport

/// The observer against a real kernel, in throwaway namespaces (root only).
@Suite(.enabled(if: isRoot, "needs root for network namespaces"))
struct ObserverKernelTests {
    /// What iproute2 prints, to prove observing changed nothing.
    func listing(_ namespace: TestNamespace) throws -> String {
        try [
            namespace.ip("-d", "link", "show"), namespace.ip("addr", "show"), namespace.ip("route", "show", "table", "all"),
            namespace.ip("neigh", "show"), namespace.bridge("fdb", "show"),
        ].joined(separator: "\n----\n")
    }

    @Test func observesExactlyTheScenarioAndChangesNothing() throws {
        let namespace = try TestNamespace(tag: "observe")
        defer { namespace.delete() }
        try namespace.setUp(FlannelScenario.setup)
        let before = try listing(namespace)

        let node = try NetworkNamespace.run(in: namespace.name) {
            try Observer.observe(
                vxlanDevice: "flannel.1", underlay: nil, peers: FlannelScenario.peers.map(IPAddress.v4), includeForeignRoutes: true
            )
        }
        // The IPv6 routes read are the kernel's own link-local ones (`fe80::/64 proto kernel` on
        // every device that is up): foreign, read as they are. The rest is the scenario.
        let ipv6 = node.state.sortedRoutes.filter { $0.family == .inet6 }
        #expect(!ipv6.isEmpty && ipv6.allSatisfy { $0.description.hasPrefix("fe80::/64 dev ") && $0.proto == .kernel }, "\(ipv6)")
        var ipv4 = node
        ipv4.state.routes = node.state.routes.filter { $0.key.family == .inet }
        #expect(ipv4.state == FlannelScenario.state)
        #expect(node.facts == FlannelScenario.facts)
        #expect(ipv4 == ObservedNode(state: FlannelScenario.state, facts: FlannelScenario.facts))
        #expect(try listing(namespace) == before)
    }

    @Test func withoutTheVxlanDeviceThereAreNoNeighboursOrFdb() throws {
        let namespace = try TestNamespace(tag: "novxlan")
        defer { namespace.delete() }
        try namespace.setUp("""
            ip link add eth0 type veth peer name eth0p
            ip link set eth0 up
            ip addr add 192.168.7.2/24 dev eth0
            ip route add default via 192.168.7.1 dev eth0 metric 200
            ip route add default via 192.168.7.9 dev eth0 metric 100
            """)
        let node = try NetworkNamespace.run(in: namespace.name) {
            try Observer.observe(vxlanDevice: "flannel.1", underlay: nil, peers: [.v4(IPv4Address(192, 168, 7, 3))])
        }
        #expect(node.state.vxlan == nil)
        #expect(node.state.neighbors.isEmpty && node.state.fdb.isEmpty)
        #expect(node.facts.underlay == "eth0")
        #expect(node.facts.onLinkNetworks == [.v4(IPv4Prefix(address: IPv4Address(192, 168, 7, 0), length: 24))])
        #expect(node.facts.routeLookups == [.v4(IPv4Address(192, 168, 7, 3)): true])
        #expect(node.state.routes.count == 3)
    }

    @Test func missingDefaultRouteOrUnderlayIsAnError() throws {
        let namespace = try TestNamespace(tag: "nodefault")
        defer { namespace.delete() }
        try namespace.setUp("ip link set lo up")
        do {
            _ = try NetworkNamespace.run(in: namespace.name) {
                try Observer.observe(vxlanDevice: "flannel.1", underlay: nil, peers: [])
            }
            Issue.record("observe without a default route did not throw")
        } catch let error as NetlinkError {
            #expect(error.description.contains("no default route"))
        }
        do {
            _ = try NetworkNamespace.run(in: namespace.name) {
                try Observer.observe(vxlanDevice: "flannel.1", underlay: "eth9", peers: [])
            }
            Issue.record("observe with a missing underlay did not throw")
        } catch let error as NetlinkError {
            #expect(error.errno == ENODEV)
            #expect(error.description.contains("eth9"))
        }
    }

    @Test func aMissingNamespaceIsANamedError() {
        #expect(throws: NetworkNamespace.Failure.self) {
            try NetworkNamespace.run(in: "npf-does-not-exist-\(getpid())") { 1 }
        }
    }

    /// 5,000 lookups in one call: about 1.5 MB of replies, far more than the receive buffer the
    /// socket is shrunk to here, and every one must come back, matched to its peer.
    @Test func aBatchLargerThanTheSocketBufferGetsEveryReply() throws {
        let namespace = try TestNamespace(tag: "batch")
        defer { namespace.delete() }
        try namespace.setUp(FlannelScenario.setup)
        let peers = (0..<5000).map { IPv4Address(172, 22, 0, 0).advanced(by: UInt32($0) * 2) }
        let (answers, receiveBuffer) = try NetworkNamespace.run(in: namespace.name) { () throws -> ([IPAddress: Bool], Int32) in
            let socket = try NetlinkSocket(protocol: NETLINK_ROUTE)
            defer { socket.close() }
            var size: Int32 = 256 * 1024
            setsockopt(socket.fileDescriptor, SOL_SOCKET, SO_RCVBUFFORCE, &size, socklen_t(MemoryLayout<Int32>.size))
            var actual: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(socket.fileDescriptor, SOL_SOCKET, SO_RCVBUF, &actual, &length)
            return (try Observer.lookUp(peers.map(IPAddress.v4), using: socket), actual)
        }
        #expect(receiveBuffer <= 512 * 1024)
        #expect(answers.count == 5000)
        // 172.22.0.0/20 is the underlay's network (on-link); from 172.22.16.0 on, the default route.
        let underlayNetwork = IPv4Prefix(address: IPv4Address(172, 22, 0, 0), length: 20)
        let wrong = peers.filter { answers[.v4($0)] != underlayNetwork.contains($0) }
        #expect(wrong.isEmpty, "\(wrong.prefix(5))")
    }
}
