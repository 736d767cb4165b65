import CMnl
import Foundation
import NetState
import Netlink
@testable import Reconcile
import Planner
import Testing

/// Notifications are built as the kernel announces the objects (the apply encoder's requests
/// for them, see `TargetedDriftTests`), against a node whose last full pass wanted peers
/// 10.244.1–10.0/24 on flannel.1 (ifindex 7; the underlay eth0 is ifindex 2).
struct ReconcileEventFilterTests {
    typealias T = TargetedDriftTests

    /// An `RTM_NEWROUTE`/`RTM_DELROUTE` notification for `destination` in `table`, `proto static`.
    func rawRoute(_ destination: String, table: UInt8 = 254, type: Int32 = Int32(RTM_NEWROUTE), port: UInt32 = 0) -> NetlinkMessage {
        let prefix = IPv4Prefix(destination)
        var payload: [UInt8] = [UInt8(AF_INET), prefix?.length ?? 0, 0, 0, table, 4, 0, 1, 0, 0, 0, 0]
        let value = prefix?.address.value ?? 0
        // RTA_DST: length 8, type 1, the address in network order.
        payload += [8, 0, 1, 0, UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff), UInt8(value & 0xff)]
        return NetlinkMessage(type: UInt16(type), flags: 0, sequence: 0, portID: port, payload: payload)
    }

    static func filter(peers: Int = 10, skipped: SkippedObjects = SkippedObjects()) -> ReconcileEventFilter {
        let filter = ReconcileEventFilter(
            deviceIndex: { T.indices[$0] }, deviceName: { index in T.indices.first { $0.value == index }?.key }
        )
        let basis = T.basis(peers: peers)
        var ownership = basis.ownership
        ownership.skipped = skipped
        filter.update(.init(ownership: ownership, desired: basis.desired))
        return filter
    }

    func relevant(_ change: Change, filter: ReconcileEventFilter = Self.filter(), port: UInt32 = 0) throws -> Bool {
        filter.isRelevant(try T.notification(change, port: port))
    }

    @Test func aWantedPeerRouteIsRelevant() throws {
        #expect(try relevant(.route(.create(T.peerRoute(3)))))
        #expect(try relevant(.route(.delete(T.peerRoute(3)))))
    }

    @Test func anOwnedRouteNobodyWantsIsRelevant() throws {
        // A stale route of flannel's shape: the pass deletes it.
        #expect(try relevant(.route(.create(T.peerRoute(250)))))
        #expect(try relevant(.route(.delete(T.peerRoute(250)))))
        var viaUnderlay = T.peerRoute(251)
        viaUnderlay.device = "eth0"
        #expect(try relevant(.route(.create(viaUnderlay))), "host-gw shape: via a gateway on the underlay")
    }

    @Test func aForeignRouteOnAWantedKeyIsRelevant() throws {
        var foreign = T.peerRoute(3)
        foreign.proto = .static
        #expect(try relevant(.route(.create(foreign))))
        var blackhole = T.peerRoute(4)
        blackhole.type = .blackhole
        blackhole.device = nil
        blackhole.gateway = nil
        blackhole.onLink = false
        #expect(try relevant(.route(.create(blackhole))))
    }

    @Test func routesOutsideWhatWeOwnAreNot() throws {
        var staticRoute = T.peerRoute(250)
        staticRoute.proto = .static
        #expect(try !relevant(.route(.create(staticRoute))), "proto static inside the cluster")
        #expect(try !relevant(.route(.delete(staticRoute))))
        var kernel = T.peerRoute(250)
        (kernel.proto, kernel.device, kernel.gateway, kernel.onLink, kernel.scope) = (.kernel, "eth0", nil, false, .link)
        #expect(try !relevant(.route(.create(kernel))), "a connected route")
        var narrower = T.peerRoute(250)
        narrower.key.destination = IPPrefix("10.244.250.0/25")!
        #expect(try !relevant(.route(.create(narrower))), "another prefix length")
        let defaultRoute = Route(
            key: Route.Key(destination: IPv4Prefix("0.0.0.0/0")!), gateway: .v4(IPv4Address(172, 22, 0, 1)), device: "eth0"
        )
        #expect(try !relevant(.route(.create(defaultRoute))), "the default route")
        var own = T.peerRoute(0)
        own.key.destination = IPPrefix("10.244.0.0/24")!
        #expect(try !relevant(.route(.create(own))), "the node's own subnet (cni0)")
        var local = T.peerRoute(250)
        local.key.table = RouteTable(rawValue: 255)
        #expect(try !relevant(.route(.create(local))), "the local table")
        var viaUnderlayNoGateway = T.peerRoute(250)
        (viaUnderlayNoGateway.device, viaUnderlayNoGateway.gateway, viaUnderlayNoGateway.onLink) = ("eth0", nil, false)
        #expect(try !relevant(.route(.create(viaUnderlayNoGateway))))
        let filter = Self.filter()
        #expect(!filter.isRelevant(rawRoute("192.168.1.0/24")))
        #expect(!filter.isRelevant(rawRoute("10.0.0.0/8")), "wider than the cluster network")
    }

    @Test func aSkippedPeersRouteIsNot() throws {
        let filter = Self.filter(skipped: SkippedObjects(subnets: [IPPrefix("10.244.250.0/24")!]))
        #expect(try !relevant(.route(.create(T.peerRoute(250))), filter: filter))
        #expect(try !relevant(.route(.delete(T.peerRoute(250))), filter: filter))
        #expect(try relevant(.route(.create(T.peerRoute(251))), filter: filter))
    }

    @Test func notificationsOfOurOwnRequestsAreNot() throws {
        let filter = Self.filter()
        filter.addOwnPort(4242)
        #expect(try !relevant(.route(.delete(T.peerRoute(3))), filter: filter, port: 4242))
        #expect(try relevant(.route(.delete(T.peerRoute(3))), filter: filter, port: 4243))
    }

    @Test func neighboursAndFdbEntriesOwnedOrWanted() throws {
        #expect(try relevant(.neighbor(.delete(T.peerNeighbor(5)))), "a wanted neighbour deleted")
        #expect(try relevant(.fdb(.delete(T.peerFdb(5)))), "a wanted FDB entry deleted")
        var failed = T.peerNeighbor(5)
        (failed.lladdr, failed.state) = (nil, .failed)
        #expect(try relevant(.neighbor(.create(failed))), "a wanted neighbour left failed")
        #expect(try relevant(.neighbor(.create(T.peerNeighbor(250)))), "a stale permanent neighbour")
        #expect(try relevant(.fdb(.create(T.peerFdb(250)))), "a stale FDB entry")
        var learnt = T.peerNeighbor(250)
        learnt.state = .reachable
        #expect(try !relevant(.neighbor(.create(learnt))), "a neighbour the kernel learnt")
        var elsewhere = T.peerNeighbor(5)
        elsewhere.key.device = "eth0"
        #expect(try !relevant(.neighbor(.create(elsewhere))), "another device")
        let skipping = Self.filter(skipped: SkippedObjects(
            subnets: [IPPrefix("10.244.250.0/24")!], publicIPs: [.v4(IPv4Address(172, 22, 0, 250))], macs: [T.mac(250)]
        ))
        #expect(try !relevant(.neighbor(.create(T.peerNeighbor(250))), filter: skipping))
        #expect(try !relevant(.fdb(.create(T.peerFdb(250))), filter: skipping))
    }

    /// An `RTM_DELLINK` of `name`, as the kernel announces it (ifinfomsg, then IFLA_IFNAME).
    func linkDeleted(_ name: String, index: UInt8) -> NetlinkMessage {
        var payload: [UInt8] = [0, 0, 1, 0, index, 0, 0, 0] + [UInt8](repeating: 0, count: 8)
        let bytes = Array(name.utf8) + [0]
        payload += [UInt8(4 + bytes.count), 0, 3, 0] + bytes
        while payload.count % 4 != 0 { payload.append(0) }
        return NetlinkMessage(type: UInt16(RTM_DELLINK), flags: 0, sequence: 0, portID: 0, payload: payload)
    }

    @Test func theDeviceAndItsAddresses() throws {
        #expect(Self.filter().isRelevant(linkDeleted("flannel.1", index: 7)))
        #expect(!Self.filter().isRelevant(linkDeleted("flannel.2", index: 8)))
        #expect(ReconcileEventFilter().isRelevant(linkDeleted("flannel.2", index: 8)), "before the first pass")
        #expect(Self.filter().isRelevant(T.address(family: UInt8(AF_INET))))
    }

    @Test func beforeTheFirstPassEveryIPv4MainRouteCounts() {
        #expect(ReconcileEventFilter().isRelevant(rawRoute("192.168.1.0/24")))
        #expect(!ReconcileEventFilter().isRelevant(rawRoute("192.168.1.0/24", table: 255)))
    }

    @Test func garbageIsNotRelevant() {
        let message = NetlinkMessage(type: UInt16(RTM_NEWROUTE), flags: 0, sequence: 0, portID: 0, payload: [1, 2])
        #expect(!Self.filter().isRelevant(message))
    }
}
