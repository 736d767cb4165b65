import NetState
import Planner
import Testing

@Suite struct FingerprintTests {
    static let desired = PF.state(vxlan: [2, 3], hostGW: [4])
    static let observed = PF.state(vxlan: [2, 3, 5], hostGW: [4]).merging(PF.foreign)

    static func fingerprint(_ observed: NetworkState) -> String { PF.plan(desired, observed).fingerprint }

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
        route.routes[PF.routeKey(5)]?.gateway = IPv4Address(10, 244, 5, 1)
        mutations.append(route)
        var gone = Self.observed
        gone.routes[PF.routeKey(5)] = nil
        mutations.append(gone)
        var neighbor = Self.observed
        neighbor.neighbors[PF.neighbor(3).key]?.lladdr = MACAddress(0x0200_0000_00cc)
        mutations.append(neighbor)
        var fdb = Self.observed
        fdb.fdb[PF.fdb(2).key]?.destination = IPv4Address(10, 0, 5, 20)
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
        let otherTable = Route(key: Route.Key(table: RouteTable(rawValue: 100), destination: PF.subnet(2)), gateway: PF.publicIP(3), device: "eth0")
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
}
