import NetState
import Planner
import Testing

@Suite struct FingerprintTests {
    static let desired = PF.state(vxlan: [2, 3], hostGW: [4])
    static let observed = PF.state(vxlan: [2, 3, 5], hostGW: [4]).merging(PF.foreign)

    static func fingerprint(_ observed: NetworkState) -> String { PF.plan(desired, observed).fingerprint }
    /// Recorded once; see `sameInEveryProcess`.
    static let pinnedEmpty = "10870e958cee549e"
    static let pinnedSmall = "2bad9b3b134a90b7"

    @Test func stableAndShort() {
        let a = Self.fingerprint(Self.observed), b = Self.fingerprint(Self.observed)
        #expect(a == b)
        #expect(a.count == 16)
        #expect(a.allSatisfy { $0.isHexDigit })
        #expect(Fingerprint.of(NetworkState()).count == 16)
        #expect(Fingerprint.of(NetworkState()) != Fingerprint.of(Self.observed))
    }

    @Test func changesWhenAnOwnedObjectChanges() {
        let base = Self.fingerprint(Self.observed)
        var mutations: [NetworkState] = []
        var route = Self.observed
        route.routes[PF.routeKey(5)]?.gateway = .v4(IPv4Address(10, 244, 5, 1))
        mutations.append(route)
        var gone = Self.observed
        gone.routes[PF.routeKey(5)] = nil
        mutations.append(gone)
        var neighbor = Self.observed
        neighbor.neighbors[PF.neighbor(3).key]?.lladdr = MACAddress(0x0200_0000_00cc)
        mutations.append(neighbor)
        var fdb = Self.observed
        fdb.fdb[PF.fdb(2).key]?.destination = .v4(IPv4Address(10, 0, 5, 20))
        mutations.append(fdb)
        var link = Self.observed
        link.vxlan?.mtu = 1400
        mutations.append(link)
        var address = Self.observed
        address.vxlan?.addresses = []
        mutations.append(address)
        var table = Self.observed
        table.tables[NftTable.flannelKey] = PF.table(masquerade: false)
        mutations.append(table)
        var stale = Self.observed
        stale.routes[PF.routeKey(8)] = PF.directRoute(8)
        mutations.append(stale)
        for (index, mutation) in mutations.enumerated() {
            #expect(Self.fingerprint(mutation) != base, "mutation \(index)")
        }
        #expect(Set(mutations.map(Self.fingerprint)).count == mutations.count, "each change gives its own fingerprint")
    }

    @Test func ignoresUnrelatedForeignObjects() {
        let base = Self.fingerprint(Self.observed)
        var state = Self.observed
        let otherTable = Route(key: Route.Key(table: RouteTable(rawValue: 100), destination: PF.subnet(2)), gateway: .v4(PF.publicIP(3)), device: "eth0")
        state.routes[otherTable.key] = otherTable
        state.routes[Route.Key(destination: IPv4Prefix(address: IPv4Address(0), length: 0))] = nil
        let learnt = Neighbor(key: Neighbor.Key(device: "eth0", ip: IPv4Address(192, 168, 1, 77)), lladdr: MACAddress(7), state: .stale)
        state.neighbors[learnt.key] = learnt
        state.tables[NftTable.Key(family: .ip, name: "nat")] = nil
        state.tables[NftTable.Key(family: .inet, name: "kube-proxy")] = NftTable(key: NftTable.Key(family: .inet, name: "kube-proxy"), chains: [])
        #expect(Self.fingerprint(state) == base)
    }

    @Test func includesForeignObjectsOnDesiredKeys() {
        // A blackhole on a desired key decides the plan (a conflict): its change must show.
        var state = Self.observed
        state.routes[PF.routeKey(6)] = Route(key: PF.routeKey(6), type: .blackhole)
        var desired = Self.desired
        desired.routes[PF.routeKey(6)] = PF.directRoute(6)
        let base = PF.plan(desired, state).fingerprint
        state.routes[PF.routeKey(6)]?.type = .unreachable
        #expect(PF.plan(desired, state).fingerprint != base)
    }

    @Test func distinguishesTableAndType() {
        let route = PF.directRoute(2)
        var other = route
        other.key.table = RouteTable(rawValue: 100)
        #expect(Fingerprint.of(NetworkState(routes: [route])) != Fingerprint.of(NetworkState(routes: [other])))
        var blackhole = route
        blackhole.type = .blackhole
        #expect(Fingerprint.of(NetworkState(routes: [route])) != Fingerprint.of(NetworkState(routes: [blackhole])))
    }

    /// Every field the fingerprint covers, changed one at a time on each kind of object, gives
    /// a fingerprint of its own: none is left out of the per-object hash.
    @Test func everyHashedFieldCounts() {
        let route = Route(
            key: Route.Key(destination: PF.subnet(2)), gateway: .v4(PF.subnet(2).address), device: PF.device, onLink: true
        )
        let neighbor = PF.neighbor(2), entry = PF.fdb(2), link = PF.link(), table = PF.table()
        func state(
            route: Route = route, neighbor: Neighbor = neighbor, entry: FdbEntry = entry, link: VxlanLink? = link,
            table: NftTable = table
        ) -> NetworkState {
            NetworkState(vxlan: link, routes: [route], neighbors: [neighbor], fdb: [entry], tables: [table])
        }
        func routeWith(_ change: (inout Route) -> Void) -> NetworkState {
            var changed = route
            change(&changed)
            return state(route: changed)
        }
        func neighborWith(_ change: (inout Neighbor) -> Void) -> NetworkState {
            var changed = neighbor
            change(&changed)
            return state(neighbor: changed)
        }
        func entryWith(_ change: (inout FdbEntry) -> Void) -> NetworkState {
            var changed = entry
            change(&changed)
            return state(entry: changed)
        }
        func linkWith(_ change: (inout VxlanLink) -> Void) -> NetworkState {
            var changed = link
            change(&changed)
            return state(link: changed)
        }
        let variants: [(String, NetworkState)] = [
            ("route table", routeWith { $0.key.table = RouteTable(rawValue: 100) }),
            ("route destination", routeWith { $0.key.destination = .v4(PF.subnet(3)) }),
            ("route prefix length", routeWith { $0.key.destination = .v4(IPv4Prefix(address: PF.subnet(2).address, length: 25)) }),
            ("route tos", routeWith { $0.key.tos = 0x10 }),
            ("route metric", routeWith { $0.key.metric = 100 }),
            ("route type", routeWith { $0.type = .blackhole }),
            ("route scope", routeWith { $0.scope = .link }),
            ("route protocol", routeWith { $0.proto = .static }),
            ("route gateway", routeWith { $0.gateway = .v4(PF.subnet(3).address) }),
            ("route gateway 0.0.0.0", routeWith { $0.gateway = .v4(IPv4Address(0)) }),
            ("route without gateway", routeWith { $0.gateway = nil }),
            ("route onlink", routeWith { $0.onLink = false }),
            ("route preferred source", routeWith { $0.preferredSource = .v4(PF.ownIP) }),
            ("route device", routeWith { $0.device = "flannel.2" }),
            ("route device empty", routeWith { $0.device = "" }),
            ("route without device", routeWith { $0.device = nil }),
            ("neighbour device", neighborWith { $0.key.device = "flannel.2" }),
            ("neighbour address", neighborWith { $0.key.ip = .v4(PF.subnet(3).address) }),
            ("neighbour lladdr", neighborWith { $0.lladdr = PF.mac(9) }),
            ("neighbour without lladdr", neighborWith { $0.lladdr = nil }),
            ("neighbour state", neighborWith { $0.state = .stale }),
            ("fdb device", entryWith { $0.key.device = "flannel.2" }),
            ("fdb mac", entryWith { $0.key.mac = PF.mac(9) }),
            ("fdb destination", entryWith { $0.destination = .v4(PF.publicIP(3)) }),
            ("fdb without destination", entryWith { $0.destination = nil }),
            ("fdb state", entryWith { $0.state = .reachable }),
            ("fdb self", entryWith { $0.isSelf = false }),
            ("link mtu", linkWith { $0.mtu = 1400 }),
            ("link mac", linkWith { $0.mac = PF.mac(9) }),
            ("link vni", linkWith { $0.vni = 2 }),
            ("link address", linkWith { $0.addresses = [InterfaceAddress(address: PF.subnet(2).address, length: 32)] }),
            ("link address length", linkWith { $0.addresses = $0.addresses.map { InterfaceAddress(address: $0.address, length: 24) } }),
            ("no link", state(link: nil)),
            ("table", state(table: PF.table(masquerade: false))),
            ("no route", NetworkState(vxlan: link, neighbors: [neighbor], fdb: [entry], tables: [table])),
            ("no neighbour", NetworkState(vxlan: link, routes: [route], fdb: [entry], tables: [table])),
            ("no fdb entry", NetworkState(vxlan: link, routes: [route], neighbors: [neighbor], tables: [table])),
            ("no table", NetworkState(vxlan: link, routes: [route], neighbors: [neighbor], fdb: [entry])),
        ]
        let base = Fingerprint.of(state())
        var seen = [base: "base"]
        for (name, variant) in variants {
            let fingerprint = Fingerprint.of(variant)
            #expect(fingerprint != base, "\(name)")
            if let other = seen[fingerprint] { Issue.record("\(name) and \(other) give one fingerprint") }
            seen[fingerprint] = name
        }
    }

    /// Two fields swapped between two objects leave every per-field multiset the same: only a
    /// per-object hash notices.
    @Test func fieldsSwappedBetweenObjectsCount() {
        let a = PF.fdb(2, dst: PF.publicIP(2)), b = PF.fdb(3, dst: PF.publicIP(3))
        var swappedA = a, swappedB = b
        swappedA.destination = b.destination
        swappedB.destination = a.destination
        #expect(Fingerprint.of(NetworkState(fdb: [a, b])) != Fingerprint.of(NetworkState(fdb: [swappedA, swappedB])))
        // The same object under another kind's key space is another state too.
        #expect(Fingerprint.of(NetworkState(routes: [PF.vxlanRoute(2)])) != Fingerprint.of(NetworkState(routes: [PF.vxlanRoute(2), PF.vxlanRoute(3)])))
    }

    /// Equal states give equal fingerprints however their tables were filled. The tables keep
    /// their objects sorted by key, so other insertion orders and capacities no longer change
    /// the iteration order (they did when the tables were dictionaries); the digest itself is
    /// order-independent either way.
    @Test func independentOfInsertionOrder() {
        let peers = (2...200).map { UInt8($0) }
        let forward = PF.state(vxlan: peers)
        var backward = NetworkState(vxlan: forward.vxlan, tables: Array(forward.tables.values))
        backward.routes.reserveCapacity(4_096)
        backward.neighbors.reserveCapacity(4_096)
        backward.fdb.reserveCapacity(4_096)
        for peer in peers.reversed() {
            let route = PF.vxlanRoute(peer), neighbor = PF.neighbor(peer), entry = PF.fdb(peer)
            backward.routes[route.key] = route
            backward.neighbors[neighbor.key] = neighbor
            backward.fdb[entry.key] = entry
        }
        #expect(backward == forward)
        #expect(Array(backward.routes.keys) == Array(forward.routes.keys), "both in key order")
        #expect(Array(backward.routes.keys) == backward.routes.keys.sorted())
        #expect(Fingerprint.of(backward) == Fingerprint.of(forward))
        #expect(Fingerprint.of(forward) == Fingerprint.of(PF.state(vxlan: peers.shuffled())))
    }

    /// The digest is a fixed function of the state, the same in every process: a pinned value
    /// catches a seeded hasher or any other per-process input creeping in.
    @Test func sameInEveryProcess() {
        #expect(Fingerprint.of(NetworkState()) == Self.pinnedEmpty)
        #expect(Fingerprint.of(PF.state(vxlan: [2, 3], hostGW: [4])) == Self.pinnedSmall)
    }
}
