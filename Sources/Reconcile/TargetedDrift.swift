import NetState
import Netlink
import Observed

/// A vxlan device as the last full pass left it. Notifications name devices by ifindex; the
/// model names them, so the index is what turns one into the other. The family is the one
/// whose neighbours the device holds: ARP on `flannel.<VNI>`, NDISC on `flannel-v6.<VNI>`.
struct TargetedDevice: Hashable, Sendable {
    var index: UInt32
    var name: String
    var family: AddressFamily = .inet
}

/// The latest state the kernel announced for one object: what a dump of that key alone would
/// read now.
enum Announced<Value: Hashable & Sendable>: Hashable, Sendable {
    /// `RTM_NEW*`: the object exists with this value.
    case present(Value)
    /// `RTM_DEL*`: no object holds the key.
    case absent

    var value: Value? {
        if case .present(let value) = self { return value }
        return nil
    }
}

/// What kernel notifications said about the objects they touched since the last pass, per key,
/// so a pass triggered only by them can plan those keys alone instead of dumping everything.
///
/// Pure bookkeeping: a message goes in, the key's latest announced state comes out. Anything it
/// cannot turn into a key of a routing-table, neighbour or fdb object (the device itself, its
/// addresses, an undecodable message, a neighbour on another device) sets `fullPassReason`:
/// only a full pass can be trusted then.
struct TargetedDrift: Hashable, Sendable {
    var routes: [Route.Key: Announced<Route>] = [:]
    var neighbors: [Neighbor.Key: Announced<Neighbor>] = [:]
    var fdb: [FdbEntry.Key: Announced<FdbEntry>] = [:]
    /// Why only a full pass will do; the first reason is kept.
    var fullPassReason: String?

    init() {}

    /// No key touched and no reason for a full pass.
    var isEmpty: Bool { routes.isEmpty && neighbors.isEmpty && fdb.isEmpty && fullPassReason == nil }

    var keyCount: Int { routes.count + neighbors.count + fdb.count }

    /// Takes one notification in.
    ///
    /// - Parameters:
    ///   - relevant: the event filter's word: a change by someone else to an object the agent
    ///     may own. Its key is recorded as touched. A message that is not relevant (most often
    ///     the echo of our own request) only updates a key already touched, so the state kept
    ///     stays the kernel's latest; anything odd about it is ignored, as the filter did.
    ///   - devices: the vxlan devices of the last full pass (none before the first, or when
    ///     none is desired).
    ///   - deviceName: the name of a device index other than the devices', nil when unknown.
    mutating func record(
        _ message: NetlinkMessage, relevant: Bool, devices: [TargetedDevice], deviceName: (UInt32) -> String?
    ) {
        if !relevant && (routes.isEmpty && neighbors.isEmpty && fdb.isEmpty) { return }
        switch Self.observation(of: message, devices: devices, deviceName: deviceName) {
        case .ignored:
            break
        case .fullPass(let why):
            if relevant && fullPassReason == nil { fullPassReason = why }
        case .route(let key, let state):
            if relevant || routes[key] != nil { routes[key] = state }
        case .neighbor(let key, let state):
            if relevant || neighbors[key] != nil { neighbors[key] = state }
        case .fdb(let key, let state):
            if relevant || fdb[key] != nil { fdb[key] = state }
        }
    }

    /// One notification read as the model reads a dump of it.
    enum Observation: Equatable {
        case route(Route.Key, Announced<Route>)
        case neighbor(Neighbor.Key, Announced<Neighbor>)
        case fdb(FdbEntry.Key, Announced<FdbEntry>)
        /// Not an object a full pass would read either (another table, an IPv6 neighbour).
        case ignored
        case fullPass(String)
    }

    static func observation(of message: NetlinkMessage, devices: [TargetedDevice], deviceName: (UInt32) -> String?) -> Observation {
        switch Int32(message.type) {
        case Int32(NetlinkMessageType.newRoute), Int32(NetlinkMessageType.deleteRoute):
            return routeObservation(message, devices: devices, deviceName: deviceName)
        case Int32(NetlinkMessageType.newNeighbor), Int32(NetlinkMessageType.deleteNeighbor):
            return neighborObservation(message, devices: devices)
        case Int32(NetlinkMessageType.newLink), Int32(NetlinkMessageType.deleteLink):
            return .fullPass("a change to the device")
        case Int32(NetlinkMessageType.newAddress), Int32(NetlinkMessageType.deleteAddress):
            // The device's IPv6 link-local address comes and goes with it (DAD): the model
            // holds IPv4 addresses and global IPv6 ones only, so only those can be drift.
            guard let address = try? AddressMessage(decoding: message), !ObservationScope.reads(address) else {
                return .fullPass("a change to the device's addresses")
            }
            return .ignored
        default:
            return .fullPass("notification type \(message.type)")
        }
    }

    private static func routeObservation(
        _ message: NetlinkMessage, devices: [TargetedDevice], deviceName: (UInt32) -> String?
    ) -> Observation {
        let decoded: RouteMessage
        do {
            decoded = try RouteMessage(decoding: message)
        } catch {
            return .fullPass("undecodable route notification: \(error)")
        }
        // What the observer does not read is never planned.
        guard ObservationScope.reads(decoded) else { return .ignored }
        let deleted = message.type == NetlinkMessageType.deleteRoute
        var names: [UInt32: String] = [:]
        if let index = decoded.outputIndex {
            if let device = devices.first(where: { $0.index == index }) {
                names[index] = device.name
            } else if let name = deviceName(index) {
                names[index] = name
            } else if !deleted {
                // A route whose device cannot be named cannot be compared with the desired one.
                return .fullPass("a route via unknown ifindex \(index)")
            }
        }
        guard let route = decoded.route(deviceNames: names) else {
            return .fullPass("a multipath route to \(decoded.destination)")
        }
        return .route(route.key, deleted ? .absent : .present(route))
    }

    private static func neighborObservation(_ message: NetlinkMessage, devices: [TargetedDevice]) -> Observation {
        let decoded: NeighborMessage
        do {
            decoded = try NeighborMessage(decoding: message)
        } catch {
            return .fullPass("undecodable neighbour notification: \(error)")
        }
        guard ObservationScope.readsNeighbors(family: decoded.family) else { return .ignored }
        guard let device = devices.first(where: { $0.index == decoded.index }) else {
            return .fullPass("a neighbour on ifindex \(decoded.index), not a known vxlan device")
        }
        let deleted = message.type == NetlinkMessageType.deleteNeighbor
        let names = [device.index: device.name]
        if ObservationScope.readsNeighborEntries(family: decoded.family) {
            // Each device's neighbours of its own family alone are read: ARP on
            // `flannel.<VNI>`, NDISC on `flannel-v6.<VNI>`.
            guard decoded.family == device.family.rawValue else { return .ignored }
            guard let neighbor = decoded.neighbor(deviceNames: names) else {
                return .fullPass("a neighbour notification without a destination")
            }
            return .neighbor(neighbor.key, deleted ? .absent : .present(neighbor))
        }
        guard ObservationScope.readsFdb(decoded) else { return .ignored }
        guard let entry = decoded.fdbEntry(deviceNames: names) else {
            return .fullPass("an fdb notification without a MAC")
        }
        return .fdb(entry.key, deleted ? .absent : .present(entry))
    }
}
