import Apply
import CMnl
import Foundation
import LeaseSources
import NetState
import Netlink
@testable import Reconcile
import Planner
import Testing

/// Notifications are built as the kernel would announce the objects: the apply encoder's
/// requests for them (the same `rtmsg`/`ndmsg` and attributes), with the type turned into a
/// deletion where the kernel announces one.
struct TargetedDriftTests {
    static let device = TargetedDevice(index: 7, name: "flannel.1")
    static let indices: [String: UInt32] = ["flannel.1": 7, "eth0": 2]

    static func peerRoute(_ third: UInt8) -> Route {
        let gateway = IPv4Address(10, 244, third, 0)
        return Route(
            key: Route.Key(destination: IPv4Prefix(address: gateway, length: 24)), gateway: .v4(gateway), device: "flannel.1",
            onLink: true
        )
    }

    static func mac(_ third: UInt8) -> MACAddress { MACAddress(0x0e4c_8b10_0001 | UInt64(third) << 8) }

    static func peerNeighbor(_ third: UInt8) -> Neighbor {
        Neighbor(key: Neighbor.Key(device: "flannel.1", ip: IPv4Address(10, 244, third, 0)), lladdr: mac(third))
    }

    static func peerFdb(_ third: UInt8) -> FdbEntry {
        FdbEntry(device: "flannel.1", mac: mac(third), destination: .v4(IPv4Address(172, 22, 0, third)))
    }

    /// A node with `peers` peers, converged: what a full pass leaves as its basis.
    static func basis(peers: Int = 200) -> TargetedRepairBasis {
        let thirds = (1...UInt8(peers)).map { $0 }
        let link = VxlanLink(
            name: "flannel.1", vni: 1, local: .v4(IPv4Address(172, 22, 0, 239)), underlay: "eth0", mtu: 1450, mac: mac(0),
            addresses: [InterfaceAddress(address: IPv4Address(10, 244, 0, 0), length: 32)]
        )
        let desired = NetworkState(
            vxlan: link, routes: thirds.map(peerRoute), neighbors: thirds.map(peerNeighbor), fdb: thirds.map(peerFdb)
        )
        let ownership = Ownership(
            cluster: IPv4Prefix("10.244.0.0/16")!, ownSubnet: IPv4Prefix("10.244.0.0/24")!, vxlanDevice: "flannel.1", underlay: "eth0", subnetLengths: [24]
        )
        return TargetedRepairBasis(
            leases: LeaseSet(leases: [], source: "test"), desired: desired, ownership: ownership, headline: "test",
            devices: [device]
        )
    }

    /// The notification announcing `change`'s object (`.delete` → `RTM_DEL*`).
    static func notification(_ change: Change, port: UInt32 = 0) throws -> NetlinkMessage {
        let encoded = try ChangeEncoder.messages(for: change, indices: indices)
        let first = try #require(encoded.first)
        var message = try #require(try NetlinkMessage.parse(first.bytes).first)
        message.portID = port
        return message
    }

    static func record(_ changes: [Change], relevant: Bool = true, into drift: inout TargetedDrift) throws {
        for change in changes {
            drift.record(try notification(change), relevant: relevant, devices: [device], deviceName: { index in
                indices.first { $0.value == index }?.key
            })
        }
    }

    @Test func aDeletedRouteIsPlannedBackAlone() throws {
        var drift = TargetedDrift()
        try Self.record([.route(.delete(Self.peerRoute(42)))], into: &drift)
        #expect(drift.routes == [Self.peerRoute(42).key: .absent])
        #expect(drift.fullPassReason == nil)
        let (want, have) = Self.basis().states(for: drift)
        #expect(want.routes.count == 1 && have.routes.isEmpty && want.neighbors.isEmpty && want.fdb.isEmpty)
        #expect(Self.basis().plan(for: drift).changes == [.route(.create(Self.peerRoute(42)))])
    }

    @Test func aDeletedNeighbourAndFdbEntryArePlannedBack() throws {
        var drift = TargetedDrift()
        try Self.record([.neighbor(.delete(Self.peerNeighbor(9))), .fdb(.delete(Self.peerFdb(9)))], into: &drift)
        #expect(drift.neighbors == [Self.peerNeighbor(9).key: .absent])
        #expect(drift.fdb == [Self.peerFdb(9).key: .absent])
        #expect(Self.basis().plan(for: drift).changes == [.fdb(.create(Self.peerFdb(9))), .neighbor(.create(Self.peerNeighbor(9)))])
    }

    /// A permanent neighbour deleted while referenced is announced as a `failed` entry without
    /// a MAC: the planner replaces it, as in a full pass.
    @Test func aFailedNeighbourIsReplaced() throws {
        var failed = Self.peerNeighbor(5)
        failed.lladdr = nil
        failed.state = .failed
        var drift = TargetedDrift()
        try Self.record([.neighbor(.create(failed))], into: &drift)
        #expect(drift.neighbors == [failed.key: .present(failed)])
        #expect(Self.basis().plan(for: drift).changes == [.neighbor(.replace(old: failed, new: Self.peerNeighbor(5)))])
    }

    @Test func aStaleOwnedRouteIsDeleted() throws {
        let stale = Self.peerRoute(250)
        var drift = TargetedDrift()
        try Self.record([.route(.create(stale))], into: &drift)
        #expect(Self.basis(peers: 10).plan(for: drift).changes == [.route(.delete(stale))])
    }

    @Test func foreignObjectsAreNeverTouched() throws {
        // A route via the underlay in the cluster network is owned; a kernel-made one is not,
        // nor is a neighbour the kernel learnt.
        var foreignRoute = Self.peerRoute(251)
        foreignRoute.proto = .kernel
        foreignRoute.device = "eth0"
        foreignRoute.onLink = false
        foreignRoute.gateway = nil
        foreignRoute.scope = .link
        var learnt = Self.peerNeighbor(252)
        learnt.state = .reachable
        var drift = TargetedDrift()
        try Self.record([.route(.create(foreignRoute)), .neighbor(.create(learnt))], into: &drift)
        #expect(drift.routes[foreignRoute.key] == .present(foreignRoute))
        #expect(Self.basis(peers: 10).plan(for: drift).isEmpty)
    }

    @Test func aForeignObjectOnAWantedKeyIsAConflict() throws {
        var blackhole = Self.peerRoute(3)
        blackhole.type = .blackhole
        blackhole.device = nil
        blackhole.gateway = nil
        blackhole.onLink = false
        var drift = TargetedDrift()
        try Self.record([.route(.create(blackhole))], into: &drift)
        let plan = Self.basis(peers: 10).plan(for: drift)
        #expect(!plan.conflicts.isEmpty)
        #expect(plan.isEmpty)
    }

    @Test func theLatestAnnouncementWins() throws {
        var drift = TargetedDrift()
        try Self.record([.route(.create(Self.peerRoute(8))), .route(.delete(Self.peerRoute(8)))], into: &drift)
        #expect(drift.routes == [Self.peerRoute(8).key: .absent])
        // Our own repair's echo is not relevant, but it updates the touched key…
        try Self.record([.route(.create(Self.peerRoute(8)))], relevant: false, into: &drift)
        #expect(drift.routes == [Self.peerRoute(8).key: .present(Self.peerRoute(8))])
        #expect(Self.basis().plan(for: drift).isEmpty)
        // …and records no key of its own.
        try Self.record([.route(.delete(Self.peerRoute(9)))], relevant: false, into: &drift)
        #expect(drift.keyCount == 1)
    }

    @Test func echoesAloneRecordNothing() throws {
        var drift = TargetedDrift()
        try Self.record([.route(.delete(Self.peerRoute(9))), .neighbor(.delete(Self.peerNeighbor(9)))], relevant: false, into: &drift)
        #expect(drift.isEmpty)
    }

    @Test func theDeviceAndWhatCannotBeReadAskForAFullPass() throws {
        func reason(_ message: NetlinkMessage, relevant: Bool = true, device: TargetedDevice? = Self.device) -> String? {
            var drift = TargetedDrift()
            drift.record(message, relevant: relevant, devices: device.map { [$0] } ?? [], deviceName: { _ in nil })
            return drift.fullPassReason
        }
        let vxlan = try #require(Self.basis().desired.vxlan)
        let link = try Self.notification(.deleteLink(vxlan))
        #expect(reason(link) != nil)
        let address = try Self.notification(.address(.delete(DeviceAddress(
            device: "flannel.1", address: InterfaceAddress(address: IPv4Address(10, 244, 0, 0), length: 32)
        ))))
        #expect(reason(address) != nil)
        let garbage = NetlinkMessage(type: UInt16(RTM_NEWROUTE), flags: 0, sequence: 0, portID: 0, payload: [1, 2])
        #expect(reason(garbage) != nil)
        #expect(reason(garbage, relevant: false) == nil, "not relevant: ignored, as the filter did")
        let neighbour = try Self.notification(.neighbor(.delete(Self.peerNeighbor(4))))
        #expect(reason(neighbour) == nil)
        #expect(reason(neighbour, device: TargetedDevice(index: 8, name: "flannel.1")) != nil, "another ifindex")
        #expect(reason(neighbour, device: nil) != nil, "no device known yet")
        // A new route via a device that cannot be named cannot be compared; a deleted one can.
        var viaUnderlay = Self.peerRoute(77)
        viaUnderlay.device = "eth0"
        #expect(reason(try Self.notification(.route(.create(viaUnderlay)))) != nil)
        #expect(reason(try Self.notification(.route(.delete(viaUnderlay)))) == nil)
    }

    @Test func aRouteViaAnotherDeviceIsNamedByIndex() throws {
        var viaUnderlay = Self.peerRoute(77)
        viaUnderlay.device = "eth0"
        var drift = TargetedDrift()
        try Self.record([.route(.create(viaUnderlay))], into: &drift)
        #expect(drift.routes == [viaUnderlay.key: .present(viaUnderlay)])
        #expect(Self.basis(peers: 10).plan(for: drift).changes == [.route(.delete(viaUnderlay))])
    }

    @Test func otherTablesAreIgnored() throws {
        var local = Self.peerRoute(30)
        local.key.table = RouteTable(rawValue: 255)
        var drift = TargetedDrift()
        try Self.record([.route(.create(local))], into: &drift)
        #expect(drift.isEmpty)
    }

    /// The event filter's word decides which keys are recorded: a foreign route elsewhere in
    /// the cluster is none of ours, one on a wanted key is, and makes the targeted plan a
    /// conflict (so the pass falls back to a full one).
    @Test func theFilterDecidesWhichKeysAreRecorded() throws {
        let filter = ReconcileEventFilterTests.filter()
        var elsewhere = Self.peerRoute(250)
        elsewhere.proto = .static
        var onWanted = Self.peerRoute(3)
        onWanted.proto = .static
        var drift = TargetedDrift()
        for change in [Change.route(.create(elsewhere)), .route(.create(onWanted))] {
            let message = try Self.notification(change)
            drift.record(message, relevant: filter.isRelevant(message), devices: [Self.device], deviceName: { index in
                Self.indices.first { $0.value == index }?.key
            })
        }
        #expect(drift.routes == [onWanted.key: .present(onWanted)])
        let plan = Self.basis(peers: 10).plan(for: drift)
        #expect(!plan.conflicts.isEmpty && plan.isEmpty)
    }

    @Test func theLedgerHandsOutWhatWasRecordedOnce() throws {
        let ledger = TargetedDriftLedger()
        ledger.setDevices([Self.device])
        ledger.record(try Self.notification(.fdb(.delete(Self.peerFdb(2)))), relevant: true)
        let first = ledger.take()
        #expect(first.devices == [Self.device])
        #expect(first.drift.fdb == [Self.peerFdb(2).key: .absent])
        #expect(ledger.take().drift.isEmpty)
        // A device re-created meanwhile: what was recorded against the old one needs a full pass.
        ledger.record(try Self.notification(.fdb(.delete(Self.peerFdb(2)))), relevant: true)
        ledger.setDevices([TargetedDevice(index: 9, name: "flannel.1")])
        #expect(ledger.take().drift.fullPassReason != nil)
        let basis = Self.basis()
        #expect(ReconcilePass.fallbackReason(TargetedDrift(), recordedAgainst: [TargetedDevice(index: 9, name: "flannel.1")], basis: basis) != nil)
        // The IPv6 device appearing beside the IPv4 one is a device change too.
        ledger.record(try Self.notification(.fdb(.delete(Self.peerFdb(2)))), relevant: true)
        ledger.setDevices([Self.device, TargetedDevice(index: 10, name: "flannel-v6.1", family: .inet6)])
        #expect(ledger.take().drift.fullPassReason != nil)
    }
}

extension TargetedDriftTests {
    /// An `RTM_NEWADDR` of `family` on ifindex 7: IPv4 10.244.0.0/32; IPv6 `fe80::1/64` with
    /// scope link as the kernel reports a link-local address, or with `global`
    /// `fd00:10:244::/128` (scope universe), `flannel-v6.<VNI>`'s own.
    static func address(family: UInt8, global: Bool = false) -> NetlinkMessage {
        // ifaddrmsg: family, prefixlen, flags, scope, index; then IFA_ADDRESS.
        let scope = family == UInt8(AF_INET) || global ? 0 : UInt8(RT_SCOPE_LINK.rawValue)
        var payload: [UInt8] = [family, family == UInt8(AF_INET) ? 32 : global ? 128 : 64, 0, scope, 7, 0, 0, 0]
        if family == UInt8(AF_INET) {
            payload += [8, 0, 1, 0, 10, 244, 0, 0]
        } else if global {
            payload += [20, 0, 1, 0, 0xfd, 0x00, 0x00, 0x10, 0x02, 0x44] + [UInt8](repeating: 0, count: 10)
        } else {
            payload += [20, 0, 1, 0, 0xfe, 0x80] + [UInt8](repeating: 0, count: 13) + [1]
        }
        return NetlinkMessage(type: UInt16(RTM_NEWADDR), flags: 0, sequence: 0, portID: 0, payload: payload)
    }

    @Test func onlyAddressesTheModelHoldsAskForAFullPass() {
        var drift = TargetedDrift()
        drift.record(Self.address(family: UInt8(AF_INET6)), relevant: true, devices: [Self.device], deviceName: { _ in nil })
        #expect(drift.isEmpty, "the IPv6 link-local address is not in the model")
        drift.record(Self.address(family: UInt8(AF_INET)), relevant: true, devices: [Self.device], deviceName: { _ in nil })
        #expect(drift.fullPassReason != nil)
        var global = TargetedDrift()
        global.record(Self.address(family: UInt8(AF_INET6), global: true), relevant: true, devices: [Self.device], deviceName: { _ in nil })
        #expect(global.fullPassReason != nil, "a global IPv6 address is (flannel-v6's)")
    }
}
