import CMnl
import Foundation
import NetState
import Netlink
import Observed

/// Decides which kernel notifications can mean drift of an object the agent owns, so that the
/// ARP churn of a busy node or a route in another table never costs a pass.
///
/// Thread-safe: the event thread reads the scope, the reconcile thread updates it after every
/// pass (the cluster network and the own subnet come from the leases and may change).
final class ReconcileEventFilter: @unchecked Sendable {
    /// What the last pass knew; nil before the first pass (then every IPv4 route event counts).
    struct Scope: Equatable {
        var cluster: IPv4Prefix
        var ownSubnet: IPv4Prefix?
        var vxlanDevice: String
    }

    private let lock = NSLock()
    private var scope: Scope?
    /// Port ids of our own request sockets: notifications they caused are not drift.
    private var ownPorts: Set<UInt32> = []

    init() {}

    func update(_ newScope: Scope) {
        lock.lock(); defer { lock.unlock() }
        scope = newScope
    }

    func addOwnPort(_ port: UInt32) {
        lock.lock(); defer { lock.unlock() }
        ownPorts.insert(port)
    }

    /// True when `message` is a change to something the agent owns, made by someone else.
    func isRelevant(_ message: NetlinkMessage) -> Bool {
        lock.lock()
        let scope = self.scope
        let ownPorts = self.ownPorts
        lock.unlock()
        if message.portID != 0 && ownPorts.contains(message.portID) { return false }
        switch Int32(message.type) {
        case Int32(RTM_NEWROUTE), Int32(RTM_DELROUTE):
            guard let route = try? RouteMessage(decoding: message), route.family == UInt8(AF_INET),
                  route.table == .main else { return false }
            guard let scope else { return true }
            return scope.cluster.contains(route.destination) && route.destination != scope.ownSubnet
        case Int32(RTM_NEWNEIGH), Int32(RTM_DELNEIGH):
            guard let scope, let neighbor = try? NeighborMessage(decoding: message) else { return false }
            return neighbor.index == Self.index(of: scope.vxlanDevice)
        case Int32(RTM_NEWADDR), Int32(RTM_DELADDR):
            guard let scope, let address = try? AddressMessage(decoding: message) else { return false }
            return address.index == Self.index(of: scope.vxlanDevice)
        case Int32(RTM_NEWLINK), Int32(RTM_DELLINK):
            guard let link = try? LinkMessage(decoding: message) else { return false }
            guard let scope else { return link.name.hasPrefix("flannel.") }
            return link.name == scope.vxlanDevice
        default:
            return false
        }
    }

    /// The device's index in this thread's namespace, or nil when it does not exist. One
    /// `ioctl`: cheap next to a pass, and never stale after the device is re-created.
    private static func index(of device: String) -> UInt32? {
        let index = if_nametoindex(device)
        return index == 0 ? nil : index
    }
}
