import Foundation
import NetState
import Netlink
import Observed
import Planner

/// Decides which kernel notifications can mean drift of an object the agent owns, so that the
/// ARP churn of a busy node or a route in another table never costs a pass.
///
/// It asks the same rule the planner and the executor ask, `Ownership`, as the last full pass
/// built it: a notification is relevant when the object it announces is owned, or when its key
/// is one the last pass wanted (a wanted route deleted, or replaced by a foreign one, is drift
/// even though what the kernel now holds there is not ours).
///
/// What counts is what an observation reads (`ObservationScope`: both families, table main,
/// the vxlan devices' neighbours and FDB entries) and what `Ownership` owns; neither is restated
/// here.
///
/// Thread-safe: the event thread reads the scope, the reconcile thread updates it after every
/// full pass (the cluster network, the leases and so what is ours may change).
public final class ReconcileEventFilter: @unchecked Sendable {
    /// What the last full pass knew; nil before the first one (then every route event in table
    /// main and every `flannel.*` / `flannel-v6.*` link event counts).
    struct Scope: Sendable {
        var ownership: Ownership
        /// The last pass's desired state: its keys are relevant whoever holds them now.
        var desired: NetworkState
    }

    private let lock = NSLock()
    private var scope: Scope?
    /// Port ids of our own request sockets: notifications they caused are not drift.
    private var ownPorts: Set<UInt32> = []
    /// A device's index by name, and the name of an index, in this thread's namespace
    /// (injectable for tests).
    private let deviceIndex: @Sendable (String) -> UInt32?
    private let deviceName: @Sendable (UInt32) -> String?

    /// Looks devices up in the calling thread's namespace.
    public convenience init() {
        self.init(deviceIndex: { NetworkInterface.index(named: $0) }, deviceName: { NetworkInterface.name(ofIndex: $0) })
    }

    init(deviceIndex: @escaping @Sendable (String) -> UInt32?, deviceName: @escaping @Sendable (UInt32) -> String?) {
        self.deviceIndex = deviceIndex
        self.deviceName = deviceName
    }

    func update(_ newScope: Scope) {
        lock.lock(); defer { lock.unlock() }
        scope = newScope
    }

    /// Moves the wanted keys with a lease change planned peer by peer: `before`'s objects are no
    /// longer wanted, `after`'s are. In place, under the lock, on this filter's own copy.
    func apply(removing before: NetworkState, adding after: NetworkState) {
        lock.lock(); defer { lock.unlock() }
        guard scope != nil else { return }
        for key in before.routes.keys { scope?.desired.routes.removeValue(forKey: key) }
        for key in before.neighbors.keys { scope?.desired.neighbors.removeValue(forKey: key) }
        for key in before.fdb.keys { scope?.desired.fdb.removeValue(forKey: key) }
        for (key, route) in after.routes { scope?.desired.routes[key] = route }
        for (key, neighbor) in after.neighbors { scope?.desired.neighbors[key] = neighbor }
        for (key, entry) in after.fdb { scope?.desired.fdb[key] = entry }
    }

    func addOwnPort(_ port: UInt32) {
        lock.lock(); defer { lock.unlock() }
        ownPorts.insert(port)
    }

    /// True when `message` is a change to something the agent owns or wants, made by someone else.
    func isRelevant(_ message: NetlinkMessage) -> Bool {
        lock.lock()
        let scope = self.scope
        let ownPorts = self.ownPorts
        lock.unlock()
        if message.portID != 0 && ownPorts.contains(message.portID) { return false }
        switch Int32(message.type) {
        case Int32(NetlinkMessageType.newRoute), Int32(NetlinkMessageType.deleteRoute):
            guard let decoded = try? RouteMessage(decoding: message), ObservationScope.reads(decoded) else { return false }
            guard let scope else { return true }
            return isRelevant(decoded, scope)
        case Int32(NetlinkMessageType.newNeighbor), Int32(NetlinkMessageType.deleteNeighbor):
            guard let scope, let decoded = try? NeighborMessage(decoding: message) else { return false }
            return isRelevant(decoded, scope)
        case Int32(NetlinkMessageType.newAddress), Int32(NetlinkMessageType.deleteAddress):
            guard let scope, let address = try? AddressMessage(decoding: message) else { return false }
            // A device's addresses of its own family, as an observation reads them: never the
            // `fe80::` link-local address every device gets (and whose DAD ends a moment after
            // the device comes up), which is in no model.
            let family: AddressFamily
            if address.index == deviceIndex(scope.ownership.vxlanDevice) {
                family = .inet
            } else if address.index == deviceIndex(scope.ownership.vxlan6Device) {
                family = .inet6
            } else {
                return false
            }
            return address.family == family.rawValue && ObservationScope.reads(address)
        case Int32(NetlinkMessageType.newLink), Int32(NetlinkMessageType.deleteLink):
            guard let link = try? LinkMessage(decoding: message) else { return false }
            guard let scope else { return link.name.hasPrefix("flannel.") || link.name.hasPrefix("flannel-v6.") }
            return scope.ownership.ownsLink(named: link.name)
        default:
            return false
        }
    }

    /// Owned, or on a wanted key. The route's device is named by its index, as the observer
    /// names it; a device that is gone (a route deleted with it) leaves it unnamed, so not ours,
    /// and only a wanted key makes it relevant then.
    private func isRelevant(_ decoded: RouteMessage, _ scope: Scope) -> Bool {
        let key = Route.Key(table: decoded.table, destination: decoded.destination, tos: decoded.tos, metric: decoded.metric)
        if scope.desired.routes[key] != nil { return true }
        var names: [UInt32: String] = [:]
        if let index = decoded.outputIndex, let name = deviceName(index) { names[index] = name }
        // A multipath route is never ours (the model holds none).
        guard let route = decoded.route(deviceNames: names) else { return false }
        return scope.ownership.owns(route)
    }

    /// Neighbours and FDB entries on the vxlan devices (ARP entries on `flannel.<VNI>`, NDISC
    /// entries on `flannel-v6.<VNI>`, FDB entries on both): owned, or on a wanted key. What
    /// cannot be read as either on that device is left to a pass to judge.
    private func isRelevant(_ decoded: NeighborMessage, _ scope: Scope) -> Bool {
        let ownership = scope.ownership
        let family: AddressFamily
        let device: String
        if let index = deviceIndex(ownership.vxlanDevice), decoded.index == index {
            (family, device) = (.inet, ownership.vxlanDevice)
        } else if let index = deviceIndex(ownership.vxlan6Device), decoded.index == index {
            (family, device) = (.inet6, ownership.vxlan6Device)
        } else {
            return false
        }
        let names = [decoded.index: device]
        if ObservationScope.readsNeighborEntries(family: decoded.family) {
            guard decoded.family == family.rawValue else { return false }
            guard let neighbor = decoded.neighbor(deviceNames: names) else { return true }
            return scope.desired.neighbors[neighbor.key] != nil || scope.ownership.owns(neighbor)
        }
        if ObservationScope.readsFdb(decoded) {
            guard let entry = decoded.fdbEntry(deviceNames: names) else { return true }
            return scope.desired.fdb[entry.key] != nil || scope.ownership.owns(entry)
        }
        return false
    }
}
