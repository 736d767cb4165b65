import Apply
import CMnl
import Foundation
import NetState
import Netlink
import Observed
import Planner

/// Dual-stack nodes as flannel programs them (`EnableIPv6`), numbered 1, 2, …: node `n` has
/// PublicIP 172.22.0.(10+n) and PublicIPv6 `fd00:22::(10+n)` on `eth0`, leases 10.244.n.0/24 and
/// `fd00:10:244:n::/64`, VtepMACs `0e:4c:8b:10:04:0n` (flannel.1) and `0e:4c:8b:10:06:0n`
/// (flannel-v6.1). The desired states are written out here, not computed by `Desired`: these
/// tests check what the kernel layers do with IPv6 objects, whatever computes them.
enum DualStackNodes {
    static func s4(_ n: Int) -> IPv4Address { IPv4Address(10, 244, UInt8(n), 0) }
    static func s6(_ n: Int) -> IPv6Address { IPv6Address(0xfd00, 0x10, 0x244, UInt16(n), 0, 0, 0, 0) }
    static func p4(_ n: Int) -> IPv4Address { IPv4Address(172, 22, 0, UInt8(10 + n)) }
    static func p6(_ n: Int) -> IPv6Address { IPv6Address(0xfd00, 0x22, 0, 0, 0, 0, 0, UInt16(0x10 + n)) }
    static func mac4(_ n: Int) -> MACAddress { MACAddress(0x0e4c_8b10_0400 | UInt64(n)) }
    static func mac6(_ n: Int) -> MACAddress { MACAddress(0x0e4c_8b10_0600 | UInt64(n)) }

    static func ownership(node n: Int) -> Ownership {
        Ownership(
            ipv4: Ownership.Family(cluster: IPPrefix("10.244.0.0/16")!, ownSubnet: .v4(IPv4Prefix(address: s4(n), length: 24)), subnetLengths: [24]),
            ipv6: Ownership.Family(cluster: IPPrefix("fd00:10:244::/56")!, ownSubnet: .v6(IPv6Prefix(address: s6(n), length: 64)), subnetLengths: [64]),
            vxlanDevice: "flannel.1", underlay: "eth0"
        )
    }

    /// `flannel-v6.1` as flanneld makes it: local PublicIPv6, MTU 1500 − 70, `txqlen 0`,
    /// `accept_ra 0`, address `S6::/128`.
    static func link6(node n: Int) -> VxlanLink {
        VxlanLink(
            name: "flannel-v6.1", vni: 1, local: .v6(p6(n)), underlay: "eth0", mtu: 1430, mac: mac6(n),
            addresses: [InterfaceAddress(address: .v6(s6(n)), length: 128)], txQueueLength: 0, acceptRA: 0
        )
    }

    static func link4(node n: Int) -> VxlanLink {
        VxlanLink(
            name: "flannel.1", vni: 1, local: .v4(p4(n)), underlay: "eth0", mtu: 1450, mac: mac4(n),
            addresses: [InterfaceAddress(address: s4(n), length: 32)], txQueueLength: 0, acceptRA: 0
        )
    }

    /// An IPv6 route as the kernel reports one added without a metric: 1024.
    static func route6(_ prefix: IPv6Prefix, via gateway: IPv6Address, device: String, onLink: Bool) -> Route {
        Route(key: Route.Key(destination: prefix, metric: 1024), gateway: .v6(gateway), device: device, onLink: onLink)
    }

    /// What node `n` holds for its vxlan peers (both families) and its IPv6 host-gw peers
    /// (`S6 via P6 dev eth0`).
    static func desired(node n: Int, vxlanPeers: [Int], hostGatewayPeers6: [Int] = []) -> NetworkState {
        var state = NetworkState(vxlan: link4(node: n), vxlan6: link6(node: n))
        for peer in vxlanPeers {
            let fdb4 = FdbEntry(device: "flannel.1", mac: mac4(peer), destination: .v4(p4(peer)))
            let neighbor4 = Neighbor(key: Neighbor.Key(device: "flannel.1", ip: s4(peer)), lladdr: mac4(peer))
            let route4 = Route(
                key: Route.Key(destination: IPv4Prefix(address: s4(peer), length: 24)), gateway: .v4(s4(peer)), device: "flannel.1",
                onLink: true
            )
            let fdb6 = FdbEntry(device: "flannel-v6.1", mac: mac6(peer), destination: .v6(p6(peer)))
            let neighbor6 = Neighbor(key: Neighbor.Key(device: "flannel-v6.1", ip: .v6(s6(peer))), lladdr: mac6(peer))
            let route = route6(IPv6Prefix(address: s6(peer), length: 64), via: s6(peer), device: "flannel-v6.1", onLink: true)
            for entry in [fdb4, fdb6] { state.fdb[entry.key] = entry }
            for neighbor in [neighbor4, neighbor6] { state.neighbors[neighbor.key] = neighbor }
            for route in [route4, route] { state.routes[route.key] = route }
        }
        for peer in hostGatewayPeers6 {
            let route = route6(IPv6Prefix(address: s6(peer), length: 64), via: p6(peer), device: "eth0", onLink: false)
            state.routes[route.key] = route
        }
        return state
    }

    /// Every owned object of `state` of both families and the IPv6 device, deleted (routes,
    /// neighbours, FDB entries, the device's address, the device).
    static func deletePlan(of state: NetworkState, family: AddressFamily, ownership: Ownership) -> Plan {
        let owned = ownership.ownedPart(of: state)
        var changes: [Change] = []
        changes += owned.sortedRoutes.filter { $0.family == family }.map { .route(.delete($0)) }
        changes += owned.sortedNeighbors.filter { $0.key.family == family }.map { .neighbor(.delete($0)) }
        changes += owned.sortedFdb.filter { $0.destination?.family == family }.map { .fdb(.delete($0)) }
        if let link = family == .inet6 ? state.vxlan6 : state.vxlan {
            changes += link.addresses.map { .address(.delete(DeviceAddress(device: link.name, address: $0))) }
            changes.append(.deleteLink(link))
        }
        return Plan(changes: changes, fingerprint: "0", ownership: ownership)
    }

    /// Adds node `n`'s PublicIPv6 to its `eth0` (`nodad`: usable at once, the test does not
    /// wait for DAD).
    static func addUnderlayIPv6(namespace: String, node n: Int) throws {
        try Shell.run(["ip", "-n", namespace, "-6", "addr", "add", "\(p6(n))/64", "dev", "eth0", "nodad"])
    }

    /// Observes `namespace` as the CLI does (rtnetlink objects of both families).
    static func observe(_ namespace: String, peers: [IPAddress]) throws -> ObservedNode {
        try NetworkNamespace.run(in: namespace) {
            try Observer.observe(vxlanDevice: "flannel.1", underlay: "eth0", peers: peers)
        }
    }

    static func apply(_ plan: Plan, in namespace: String) throws -> ApplyReport {
        try NetworkNamespace.run(in: namespace) {
            let socket = try NetlinkSocket(protocol: NETLINK_ROUTE)
            defer { socket.close() }
            try socket.setReceiveTimeout(milliseconds: 10_000)
            return Applier().apply(plan, using: socket, tables: KernelNftApplier(), deviceConf: KernelDeviceConf())
        }
    }

    /// `ip -n namespace args…`, one trimmed line per element, iproute2's ` pref medium` (an
    /// IPv6 route preference the model has no word for) dropped.
    static func ip(_ namespace: String, _ args: String...) throws -> [String] {
        try Shell.run(["ip", "-n", namespace] + args).stdout.split(separator: "\n")
            .map { $0.replacingOccurrences(of: " pref medium", with: "").trimmingCharacters(in: .whitespaces) }
    }
}
