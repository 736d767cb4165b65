import Apply
import CMnl
import Foundation
import NetState
import Netlink
@testable import Reconcile
import Planner
import Testing

/// The event filter and targeted drift on a dual-stack node: `flannel.1` (ifindex 7) with
/// IPv4 peers and `flannel-v6.1` (ifindex 8) with IPv6 peers `fd00:10:244:<n>::/64`.
/// Notifications are the apply encoder's requests, as the kernel announces the objects.
struct ReconcileEventFilterIPv6Tests {
    static let indices: [String: UInt32] = ["flannel.1": 7, "flannel-v6.1": 8, "eth0": 2]

    static func s6(_ n: UInt16) -> IPv6Address { IPv6Address(0xfd00, 0x10, 0x244, n, 0, 0, 0, 0) }
    static func mac6(_ n: UInt8) -> MACAddress { MACAddress(0x0e4c_8b10_6001 | UInt64(n) << 8) }

    static func route6(_ n: UInt16) -> Route {
        Route(
            key: Route.Key(destination: IPv6Prefix(address: s6(n), length: 64), metric: 1024), gateway: .v6(s6(n)),
            device: "flannel-v6.1", onLink: true
        )
    }

    static func neighbor6(_ n: UInt8) -> Neighbor {
        Neighbor(key: Neighbor.Key(device: "flannel-v6.1", ip: .v6(s6(UInt16(n)))), lladdr: mac6(n))
    }

    static func fdb6(_ n: UInt8) -> FdbEntry {
        FdbEntry(device: "flannel-v6.1", mac: mac6(n), destination: .v6(IPv6Address(0xfd00, 0x22, 0, 0, 0, 0, 0, UInt16(n))))
    }

    static let ownership = Ownership(
        ipv4: Ownership.Family(cluster: IPPrefix("10.244.0.0/16")!, ownSubnet: IPPrefix("10.244.0.0/24")!, subnetLengths: [24]),
        ipv6: Ownership.Family(cluster: IPPrefix("fd00:10:244::/56")!, ownSubnet: IPPrefix("fd00:10:244::/64")!, subnetLengths: [64]),
        vxlanDevice: "flannel.1", underlay: "eth0"
    )

    static func filter() -> ReconcileEventFilter {
        let filter = ReconcileEventFilter(
            deviceIndex: { indices[$0] }, deviceName: { index in indices.first { $0.value == index }?.key }
        )
        var desired = TargetedDriftTests.basis(peers: 10).desired
        for n in 1...10 {
            let route = route6(UInt16(n))
            desired.routes[route.key] = route
            desired.neighbors[neighbor6(UInt8(n)).key] = neighbor6(UInt8(n))
            desired.fdb[fdb6(UInt8(n)).key] = fdb6(UInt8(n))
        }
        filter.update(.init(ownership: ownership, desired: desired))
        return filter
    }

    static func notification(_ change: Change) throws -> NetlinkMessage {
        let encoded = try ChangeEncoder.messages(for: change, indices: indices)
        let first = try #require(encoded.first)
        return try #require(try NetlinkMessage.parse(first.bytes).first)
    }

    func relevant(_ change: Change) throws -> Bool { Self.filter().isRelevant(try Self.notification(change)) }

    @Test func ipv6RoutesOwnedOrWanted() throws {
        #expect(try relevant(.route(.delete(Self.route6(3)))), "a wanted IPv6 route deleted")
        #expect(try relevant(.route(.create(Self.route6(200)))), "a stale IPv6 route of flannel's shape")
        var linkLocal = Route(
            key: Route.Key(destination: IPv6Prefix("fe80::/64")!, metric: 256), device: "flannel-v6.1", proto: .kernel
        )
        #expect(try !relevant(.route(.create(linkLocal))), "the kernel's fe80::/64 on the device")
        linkLocal.device = "flannel.1"
        #expect(try !relevant(.route(.create(linkLocal))))
        let own = Route(key: Route.Key(destination: IPv6Prefix("fd00:10:244::/64")!, metric: 1024), device: "eth0", proto: .kernel)
        #expect(try !relevant(.route(.create(own))), "the node's own IPv6 lease")
    }

    @Test func neighboursOfEachDevicesOwnFamily() throws {
        #expect(try relevant(.neighbor(.delete(Self.neighbor6(4)))), "a wanted NDISC entry deleted")
        #expect(try relevant(.neighbor(.create(Self.neighbor6(200)))), "a stale permanent NDISC entry")
        var learnt = Self.neighbor6(200)
        learnt.state = .reachable
        #expect(try !relevant(.neighbor(.create(learnt))), "learnt by the kernel")
        var onIPv4Device = Self.neighbor6(4)
        onIPv4Device.key.device = "flannel.1"
        #expect(try !relevant(.neighbor(.create(onIPv4Device))), "an NDISC entry of flannel.1 is never read")
        var arpOnIPv6Device = TargetedDriftTests.peerNeighbor(4)
        arpOnIPv6Device.key.device = "flannel-v6.1"
        #expect(try !relevant(.neighbor(.create(arpOnIPv6Device))), "an ARP entry of flannel-v6.1 is never read")
        #expect(try relevant(.neighbor(.delete(TargetedDriftTests.peerNeighbor(4)))), "IPv4 as before")
    }

    @Test func fdbEntriesTowardsIPv6Vteps() throws {
        #expect(try relevant(.fdb(.delete(Self.fdb6(5)))))
        #expect(try relevant(.fdb(.create(Self.fdb6(200)))), "a stale entry")
    }

    @Test func addressesOfEachDevicesOwnFamilyAndNeverLinkLocal() throws {
        let global = DeviceAddress(device: "flannel-v6.1", address: InterfaceAddress(address: .v6(Self.s6(0)), length: 128))
        #expect(try relevant(.address(.delete(global))), "flannel-v6's own address")
        let filter = Self.filter()
        #expect(filter.isRelevant(TargetedDriftTests.address(family: UInt8(AF_INET))), "flannel.1's IPv4 address")
        #expect(!filter.isRelevant(TargetedDriftTests.address(family: UInt8(AF_INET6))), "flannel.1's fe80:: address")
        var linkLocalOnV6 = TargetedDriftTests.address(family: UInt8(AF_INET6))
        linkLocalOnV6.payload[4] = 8
        #expect(!filter.isRelevant(linkLocalOnV6), "flannel-v6.1's fe80:: address (DAD ends after the device is up)")
    }

    @Test func theIPv6DeviceIsOurs() {
        let deleted = ReconcileEventFilterTests().linkDeleted("flannel-v6.1", index: 8)
        #expect(Self.filter().isRelevant(deleted))
        #expect(ReconcileEventFilter().isRelevant(deleted), "before the first pass")
    }

    /// Targeted repair knows both devices: an IPv6 route is planned by its key like any other,
    /// NDISC entries of `flannel-v6.1` and its FDB entries by their keys too, flannel.1's NDISC
    /// entries are not read at all, and a neighbour on an unknown device takes a full pass.
    @Test func targetedDriftReadsBothDevicesByKey() throws {
        let devices = [
            TargetedDevice(index: 7, name: "flannel.1", family: .inet),
            TargetedDevice(index: 8, name: "flannel-v6.1", family: .inet6),
        ]
        let names: (UInt32) -> String? = { index in Self.indices.first { $0.value == index }?.key }
        var drift = TargetedDrift()
        drift.record(try Self.notification(.route(.delete(Self.route6(3)))), relevant: true, devices: devices, deviceName: names)
        #expect(drift.routes[Self.route6(3).key] == .absent)
        #expect(drift.fullPassReason == nil)

        var onIPv4Device = Self.neighbor6(4)
        onIPv4Device.key.device = "flannel.1"
        drift.record(try Self.notification(.neighbor(.create(onIPv4Device))), relevant: true, devices: devices, deviceName: names)
        #expect(drift.neighbors.isEmpty && drift.fullPassReason == nil, "not read, so ignored")

        drift.record(try Self.notification(.neighbor(.delete(Self.neighbor6(4)))), relevant: true, devices: devices, deviceName: names)
        #expect(drift.neighbors[Self.neighbor6(4).key] == .absent)
        #expect(drift.fullPassReason == nil)

        var onlyIPv4 = TargetedDrift()
        onlyIPv4.record(
            try Self.notification(.neighbor(.delete(Self.neighbor6(4)))), relevant: true, devices: [devices[0]], deviceName: names
        )
        #expect(onlyIPv4.fullPassReason != nil, "flannel-v6.1 not known: a full pass")
    }
}
