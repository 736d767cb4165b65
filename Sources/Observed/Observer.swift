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
        vxlanDevice: String, underlay: String?, peers: [IPAddress], includeForeignRoutes: Bool = true
    ) throws(NetlinkError) -> ObservedNode {
        try observe(ObservationScope(
            vxlanDevice: vxlanDevice, underlay: underlay, peers: peers, includeForeignRoutes: includeForeignRoutes
        ))
    }

    /// `observe(_:)` over any transport (tests pass a scripted fake).
    ///
    /// Both families in one pass: the IPv4 and IPv6 routes of table main, the addresses (IPv6
    /// of global scope only), `flannel.<VNI>` with its ARP and FDB entries and
    /// `flannel-v6.<VNI>` with its NDISC and FDB entries, and one batch of route lookups for the
    /// peers of both families. A kernel without IPv6 (`ipv6.disable=1`) has no IPv6 objects.
    public static func observe(using transport: some NetlinkTransport, _ scope: ObservationScope) throws(NetlinkError) -> ObservedNode {
        let (underlay, peers) = (scope.underlay, scope.peers)
        let links = try transport.dump(DumpRequests.links()).map { (message) throws(NetlinkError) in
            try LinkMessage(decoding: message)
        }
        let names = Dictionary(links.map { ($0.index, $0.name) }, uniquingKeysWith: { first, _ in first })
        var addressMessages: [AddressMessage] = []
        for family in ObservationScope.families {
            for message in try familyDump(DumpRequests.addresses(family: family), family: family, using: transport) {
                let decoded = try AddressMessage(decoding: message)
                // Checked again: a kernel without IPv6 answers an AF_INET6 dump with all families.
                if decoded.family == family.rawValue, ObservationScope.reads(decoded) { addressMessages.append(decoded) }
            }
        }
        func addresses(of index: UInt32, family: AddressFamily? = nil) -> [InterfaceAddress] {
            addressMessages.filter { $0.index == index && (family == nil || $0.family == family?.rawValue) }
                .compactMap(\.address).sorted()
        }
        var routes: [Route] = []
        for family in ObservationScope.families {
            for message in try mainTableRoutes(family: family, using: transport) {
                // Checked again: without strict checking the kernel dumps all tables (and a
                // kernel without IPv6 answers an AF_INET6 dump with all families).
                let decoded = try RouteMessage(decoding: message)
                if decoded.family == family.rawValue, ObservationScope.reads(decoded), let route = decoded.route(deviceNames: names) { routes.append(route) }
            }
        }

        var state = NetworkState(routes: scope.includeForeignRoutes ? routes : routes.filter(scope.keeps))
        for family in ObservationScope.families {
            let name = scope.vxlanDevice(family)
            guard let device = links.first(where: { $0.name == name }) else { continue }
            guard let vxlan = device.vxlanLink(addresses: addresses(of: device.index, family: family), deviceNames: names) else {
                throw NetlinkError(
                    .request("observe \(name)"), errno: Errno.fileExists.rawValue,
                    detail: "\(name) exists but is a \(device.kind ?? "non-virtual") device, not vxlan"
                )
            }
            if family == .inet { state.vxlan = vxlan } else { state.vxlan6 = vxlan }
            try readEntries(on: device.index, family: family, into: &state, names: names, using: transport)
        }

        let underlayName: String
        if let underlay { underlayName = underlay } else { underlayName = try defaultRouteDevice(routes) }
        guard let underlayLink = links.first(where: { $0.name == underlayName }) else {
            throw NetlinkError(.request("observe underlay"), errno: Errno.noSuchDevice.rawValue, detail: "underlay device \(underlayName) does not exist")
        }
        let onLink = routes.filter { isConnected($0, on: underlayName) }.map(\.destination)
        let facts = LinkFacts(
            underlay: underlayName, mtu: underlayLink.mtu ?? 1500, mtuSource: "the live interface \(underlayName)",
            addresses: addresses(of: underlayLink.index),
            onLinkNetworks: Array(Set(onLink)).sorted(),
            routeLookups: try lookUp(Array(Set(peers)).sorted(), using: transport)
        )
        return ObservedNode(state: state, facts: facts)
    }

    /// `fe80::/64`, the link-local network every IPv6 device has: on-link on every link, so no
    /// peer's public address is ever in it.
    static let ipv6LinkLocal = IPv6Prefix(address: IPv6Address(0xfe80, 0, 0, 0, 0, 0, 0, 0), length: 64)

    /// A connected network of the underlay, as a route of table main says it: without a
    /// gateway on the underlay; IPv4 ones have scope link, IPv6 ones (whose connected routes
    /// have scope universe) are any but `fe80::/64`.
    static func isConnected(_ route: Route, on underlay: String) -> Bool {
        guard route.gateway == nil, route.device == underlay, route.type == .unicast else { return false }
        switch route.destination {
        case .v4: return route.scope == .link
        case let .v6(prefix): return !ipv6LinkLocal.contains(prefix)
        }
    }

    /// The vxlan device's neighbours of `family` and its fdb entries (the device is named by
    /// `index`).
    static func readEntries(
        on index: UInt32, family: AddressFamily = .inet, into state: inout NetworkState, names: [UInt32: String],
        using transport: some NetlinkTransport
    ) throws(NetlinkError) {
        // Collected, then sorted into the state's tables once (a table set one object at a
        // time would move the objects after each); as before, the last of two with one key wins.
        let neighborMessages = try transport.dump(DumpRequests.neighbors(family: family, index: index))
        var neighbors: [Neighbor] = []
        neighbors.reserveCapacity(neighborMessages.count)
        for message in neighborMessages {
            let decoded = try NeighborMessage(decoding: message)
            guard decoded.index == index, decoded.family == family.rawValue, let neighbor = decoded.neighbor(deviceNames: names)
            else { continue }
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

    /// The device of the lowest-metric IPv4 default route, else (an IPv6-only node) of the
    /// lowest-metric IPv6 one: the underlay when none is named.
    static func defaultRouteDevice(_ routes: [Route]) throws(NetlinkError) -> String {
        let defaults = routes.filter { $0.destination.length == 0 && $0.type == .unicast && $0.device != nil }
        let ipv4 = defaults.filter { $0.family == .inet }
        guard let best = (ipv4.isEmpty ? defaults : ipv4).min(by: { $0.key.metric < $1.key.metric }), let device = best.device else {
            throw NetlinkError(
                .request("observe underlay"), errno: Errno.networkUnreachable.rawValue,
                detail: "no default route (0.0.0.0/0) in table main to pick the underlay from; name it with --iface"
            )
        }
        return device
    }

    /// The route messages of one family's table main. A namespace that never had a route in it
    /// (a fresh node, loopback still down) has no main table at all, and a dump filtered to it
    /// fails with `ENOENT` ("FIB table does not exist"): that table holds no routes, it is not
    /// an error. Only that errno on this dump is read so (and, for IPv6, a kernel without it);
    /// every other failure stays one.
    static func mainTableRoutes(family: AddressFamily = .inet, using transport: some NetlinkTransport) throws(NetlinkError) -> [NetlinkMessage] {
        do throws(NetlinkError) {
            return try familyDump(DumpRequests.routes(family: family, table: ObservationScope.table), family: family, using: transport)
        } catch where error.errno == Errno.noSuchFileOrDirectory.rawValue {
            return []
        }
    }

    /// A dump of one family's objects. A kernel booted with `ipv6.disable=1` has no IPv6
    /// rtnetlink handlers and refuses an `AF_INET6` dump (`EAFNOSUPPORT`, or `EOPNOTSUPP`):
    /// it holds no IPv6 objects, which is not an error. An IPv4 dump's failures all stay errors.
    static func familyDump(_ request: [UInt8], family: AddressFamily, using transport: some NetlinkTransport) throws(NetlinkError) -> [NetlinkMessage] {
        do throws(NetlinkError) {
            return try transport.dump(request)
        } catch where family == .inet6 && (error.errno == Errno.addressFamilyNotSupported.rawValue || error.errno == Errno.operationNotSupported.rawValue) {
            return []
        }
    }

    /// Asks the kernel, in one batch, which route it would use for each peer, IPv4 and IPv6
    /// alike. A peer is on-link as flannel decides it: the answer is a route without a gateway.
    /// A lookup the kernel refuses (no route: `ENETUNREACH`, `EHOSTUNREACH`; no table to look
    /// in: `ENOENT`; no IPv6 in this kernel: `EAFNOSUPPORT`) means not on-link.
    public static func lookUp(_ peers: [IPAddress], using transport: some NetlinkTransport) throws(NetlinkError) -> [IPAddress: Bool] {
        guard !peers.isEmpty else { return [:] }
        let results = try transport.transact(
            peers.map { DumpRequests.lookup($0) }, labels: peers.map { "RTM_GETROUTE \($0)" }
        )
        var answers: [IPAddress: Bool] = [:]
        for (peer, result) in zip(peers, results) {
            switch result {
            case .success(let replies):
                let routes = try replies.filter { $0.type == NetlinkMessageType.newRoute }.map { (message) throws(NetlinkError) in
                    try RouteMessage(decoding: message)
                }
                answers[peer] = routes.count == 1 && routes[0].gateway == nil
            case .failure(let error):
                guard error.errno == Errno.networkUnreachable.rawValue || error.errno == Errno.hostUnreachable.rawValue
                    || error.errno == Errno.noSuchFileOrDirectory.rawValue || error.errno == Errno.addressFamilyNotSupported.rawValue else { throw error }
                answers[peer] = false
            }
        }
        return answers
    }
}
