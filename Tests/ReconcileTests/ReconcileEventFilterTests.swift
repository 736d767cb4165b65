import CMnl
import Foundation
import NetState
import Netlink
@testable import NetplanCLI
import Testing

struct ReconcileEventFilterTests {
    /// An `RTM_NEWROUTE`/`RTM_DELROUTE` notification for `destination` in `table`.
    func route(_ destination: String, table: UInt8 = 254, type: Int32 = Int32(RTM_NEWROUTE), port: UInt32 = 0) -> NetlinkMessage {
        let prefix = IPv4Prefix(destination)
        var payload: [UInt8] = [UInt8(AF_INET), prefix?.length ?? 0, 0, 0, table, 4, 0, 1, 0, 0, 0, 0]
        let value = prefix?.address.value ?? 0
        // RTA_DST: length 8, type 1, the address in network order.
        payload += [8, 0, 1, 0, UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff), UInt8(value & 0xff)]
        return NetlinkMessage(type: UInt16(type), flags: 0, sequence: 0, portID: port, payload: payload)
    }

    func filter() -> ReconcileEventFilter {
        let filter = ReconcileEventFilter()
        filter.update(.init(cluster: IPv4Prefix("10.244.0.0/16")!, ownSubnet: IPv4Prefix("10.244.0.0/24")!, vxlanDevice: "flannel.1"))
        return filter
    }

    @Test func aPeerRouteInTheClusterIsRelevant() {
        #expect(filter().isRelevant(route("10.244.3.0/24")))
        #expect(filter().isRelevant(route("10.244.3.0/24", type: Int32(RTM_DELROUTE))))
    }

    @Test func routesOutsideWhatWeOwnAreNot() {
        let filter = filter()
        #expect(!filter.isRelevant(route("0.0.0.0/0")))
        #expect(!filter.isRelevant(route("192.168.1.0/24")))
        #expect(!filter.isRelevant(route("10.0.0.0/8")), "wider than the cluster network")
        #expect(!filter.isRelevant(route("10.244.0.0/24")), "the node's own subnet (cni0)")
        #expect(!filter.isRelevant(route("10.244.3.0/24", table: 255)), "the local table")
    }

    @Test func notificationsOfOurOwnRequestsAreNot() {
        let filter = filter()
        filter.addOwnPort(4242)
        #expect(!filter.isRelevant(route("10.244.3.0/24", port: 4242)))
        #expect(filter.isRelevant(route("10.244.3.0/24", port: 4243)))
    }

    @Test func beforeTheFirstPassEveryIPv4MainRouteCounts() {
        #expect(ReconcileEventFilter().isRelevant(route("192.168.1.0/24")))
    }

    @Test func garbageIsNotRelevant() {
        let message = NetlinkMessage(type: UInt16(RTM_NEWROUTE), flags: 0, sequence: 0, portID: 0, payload: [1, 2])
        #expect(!filter().isRelevant(message))
    }
}
