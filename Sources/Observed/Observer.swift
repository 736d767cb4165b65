import NetState
import Netlink

/// Reads a live kernel (the network namespace of the calling thread) into an `ObservedNode`.
/// Read-only: only dumps and `RTM_GETROUTE` lookups are sent.
public enum Observer {
    /// Observes the node: what `scope` names, in the namespace of the calling thread.
    /// - Throws: a netlink error, or a `.request("observe")` error when the underlay or the
    ///   default route is missing or the vxlan device is not a vxlan device.
    public static func observe(_ scope: ObservationScope) throws(NetlinkError) -> ObservedNode {
        let socket = try NetlinkSocket.routing()
        defer { socket.close() }
        return try observe(using: socket, scope)
    }

    /// `observe(_:)` with the scope's fields spelt out.
    public static func observe(
        vxlanDevice: String, underlay: String?, peers: [IPv4Address], includeForeignRoutes: Bool = true
    ) throws(NetlinkError) -> ObservedNode {
        try observe(ObservationScope(
            vxlanDevice: vxlanDevice, underlay: underlay, peers: peers, includeForeignRoutes: includeForeignRoutes
        ))
    }

    /// `observe(_:)` over any transport (tests pass a scripted fake).
    public static func observe(using transport: some NetlinkTransport, _ scope: ObservationScope) throws(NetlinkError) -> ObservedNode {
        let (vxlanDevice, underlay, peers) = (scope.vxlanDevice, scope.underlay, scope.peers)
        let links = try transport.dump(DumpRequests.links()).map { (message) throws(NetlinkError) in
            try LinkMessage(decoding: message)
        }
        let names = Dictionary(links.map { ($0.index, $0.name) }, uniquingKeysWith: { first, _ in first })
        let addressMessages = try transport.dump(DumpRequests.addresses()).map { (message) throws(NetlinkError) in
            try AddressMessage(decoding: message)
        }
        func addresses(of index: UInt32) -> [InterfaceAddress] {
            addressMessages.filter { $0.index == index }.compactMap(\.address).sorted()
        }
        var routes: [Route] = []
        for message in try mainTableRoutes(using: transport) {
            // Checked again: without strict checking the kernel dumps all tables.
            let decoded = try RouteMessage(decoding: message)
            if ObservationScope.reads(decoded), let route = decoded.route(deviceNames: names) { routes.append(route) }
        }

        var state = NetworkState(routes: scope.includeForeignRoutes ? routes : routes.filter(scope.keeps))
        if let device = links.first(where: { $0.name == vxlanDevice }) {
            guard let vxlan = device.vxlanLink(addresses: addresses(of: device.index), deviceNames: names) else {
                throw NetlinkError(
                    .request("observe \(vxlanDevice)"), errno: Errno.fileExists.rawValue,
                    detail: "\(vxlanDevice) exists but is a \(device.kind ?? "non-virtual") device, not vxlan"
                )
            }
            state.vxlan = vxlan
            try readEntries(on: device.index, into: &state, names: names, using: transport)
        }

        let underlayName: String
        if let underlay { underlayName = underlay } else { underlayName = try defaultRouteDevice(routes) }
        guard let underlayLink = links.first(where: { $0.name == underlayName }) else {
            throw NetlinkError(.request("observe underlay"), errno: Errno.noSuchDevice.rawValue, detail: "underlay device \(underlayName) does not exist")
        }
        let onLink = routes.filter {
            $0.gateway == nil && $0.scope == .link && $0.device == underlayName && $0.type == .unicast
        }.map(\.destination)
        let facts = LinkFacts(
            underlay: underlayName, mtu: underlayLink.mtu ?? 1500, mtuSource: "the live interface \(underlayName)",
            addresses: addresses(of: underlayLink.index),
            onLinkNetworks: Array(Set(onLink)).sorted(),
            routeLookups: Dictionary(
                uniqueKeysWithValues: try lookUp(Array(Set(peers)).sorted(), using: transport).map { (IPAddress.v4($0.key), $0.value) }
            )
        )
        return ObservedNode(state: state, facts: facts)
    }

    /// The vxlan device's neighbours and fdb entries (the device is named by `index`).
    static func readEntries(
        on index: UInt32, into state: inout NetworkState, names: [UInt32: String], using transport: some NetlinkTransport
    ) throws(NetlinkError) {
        // Collected, then sorted into the state's tables once (a table set one object at a
        // time would move the objects after each); as before, the last of two with one key wins.
        let neighborMessages = try transport.dump(DumpRequests.neighbors(index: index))
        var neighbors: [Neighbor] = []
        neighbors.reserveCapacity(neighborMessages.count)
        for message in neighborMessages {
            let decoded = try NeighborMessage(decoding: message)
            guard decoded.index == index, let neighbor = decoded.neighbor(deviceNames: names) else { continue }
            neighbors.append(neighbor)
        }
        state.neighbors.merge(KeyedTable(neighbors.reversed())) { _, new in new }
        let fdbMessages = try transport.dump(DumpRequests.fdb(index: index))
        var fdb: [FdbEntry] = []
        fdb.reserveCapacity(fdbMessages.count)
        for message in fdbMessages {
            let decoded = try NeighborMessage(decoding: message)
            guard decoded.index == index, let entry = decoded.fdbEntry(deviceNames: names) else { continue }
            fdb.append(entry)
        }
        state.fdb.merge(KeyedTable(fdb.reversed())) { _, new in new }
    }

    /// The device of the lowest-metric default route: the underlay when none is named.
    static func defaultRouteDevice(_ routes: [Route]) throws(NetlinkError) -> String {
        let defaults = routes.filter { $0.destination.length == 0 && $0.type == .unicast && $0.device != nil }
        guard let best = defaults.min(by: { $0.key.metric < $1.key.metric }), let device = best.device else {
            throw NetlinkError(
                .request("observe underlay"), errno: Errno.networkUnreachable.rawValue,
                detail: "no default route (0.0.0.0/0) in table main to pick the underlay from; name it with --iface"
            )
        }
        return device
    }

    /// The route messages of table main. A namespace that never had a route in it (a fresh
    /// node, loopback still down) has no main table at all, and a dump filtered to it fails
    /// with `ENOENT` ("FIB table does not exist"): that table holds no routes, it is not an
    /// error. Only that errno on this dump is read so; every other failure stays one.
    static func mainTableRoutes(using transport: some NetlinkTransport) throws(NetlinkError) -> [NetlinkMessage] {
        do throws(NetlinkError) {
            return try transport.dump(DumpRequests.routes(table: ObservationScope.table))
        } catch where error.errno == Errno.noSuchFileOrDirectory.rawValue {
            return []
        }
    }

    /// Asks the kernel, in one batch, which route it would use for each peer. A peer is on-link
    /// as flannel decides it: the answer is a route without a gateway. A lookup the kernel
    /// refuses (no route: `ENETUNREACH`, `EHOSTUNREACH`; no table to look in: `ENOENT`) means
    /// not on-link.
    public static func lookUp(_ peers: [IPv4Address], using transport: some NetlinkTransport) throws(NetlinkError) -> [IPv4Address: Bool] {
        guard !peers.isEmpty else { return [:] }
        let results = try transport.transact(
            peers.map { DumpRequests.lookup($0) }, labels: peers.map { "RTM_GETROUTE \($0)" }
        )
        var answers: [IPv4Address: Bool] = [:]
        for (peer, result) in zip(peers, results) {
            switch result {
            case .success(let replies):
                let routes = try replies.filter { $0.type == NetlinkMessageType.newRoute }.map { (message) throws(NetlinkError) in
                    try RouteMessage(decoding: message)
                }
                answers[peer] = routes.count == 1 && routes[0].gateway == nil
            case .failure(let error):
                guard error.errno == Errno.networkUnreachable.rawValue || error.errno == Errno.hostUnreachable.rawValue
                    || error.errno == Errno.noSuchFileOrDirectory.rawValue else { throw error }
                answers[peer] = false
            }
        }
        return answers
    }
}
