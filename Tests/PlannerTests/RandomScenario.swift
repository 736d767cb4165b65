import NetState
import Planner

/// SplitMix64: tiny, fast, and the same sequence on every platform, so a failing seed replays.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    mutating func chance(_ probability: Double) -> Bool { Double.random(in: 0..<1, using: &self) < probability }
    mutating func pick<T>(_ choices: [T]) -> T { choices[Int.random(in: 0..<choices.count, using: &self)] }
}

/// A random desired state and a random observed kernel for the node of `PF`, over a small
/// address space (peers 2…9, six VtepMACs, six public IPs) so that keys collide often.
struct RandomScenario {
    var seed: UInt64
    var desired: NetworkState
    var observed: NetworkState
    /// Desired route keys a foreign route holds: the plan must report them and leave them.
    var conflictingRouteKeys: Set<Route.Key>

    static let peers: [UInt8] = Array(2...9)
    static let macs: [MACAddress] = (1...6).map { PF.mac($0) }
    static let onLinkIPs: [IPv4Address] = (12...17).map { IPv4Address(192, 168, 1, $0) }
    static let offLinkIPs: [IPv4Address] = [IPv4Address(10, 0, 5, 20), IPv4Address(10, 0, 5, 21)]
    static let ownMACs = [PF.ownMAC, MACAddress(0x12c6_6589_b4e4)]

    init(seed: UInt64) {
        self.seed = seed
        var random = SplitMix64(seed: seed)
        desired = Self.flannelState(&random)
        var observed: NetworkState
        if random.chance(0.1) {
            observed = desired // converged but for foreign objects
        } else {
            observed = random.chance(0.15) ? NetworkState() : Self.drifted(Self.flannelState(&random), &random)
            Self.addStale(to: &observed, &random)
        }
        conflictingRouteKeys = Self.addForeign(to: &observed, desired: desired, &random)
        self.observed = observed
    }

    /// What `DesiredState` would compute for some lease set: vxlan peers through the device,
    /// host-gw (or DirectRouting) peers via their PublicIP, the device while anything is vxlan.
    static func flannelState(_ random: inout SplitMix64) -> NetworkState {
        // A quarter of the clusters have finished a switch to host-gw: nothing is vxlan.
        let allHostGW = random.chance(0.25)
        let ownVxlan = !allHostGW && random.chance(0.6)
        let directRouting = ownVxlan && random.chance(0.2)
        var macs = allHostGW ? [] : macs.shuffled(using: &random)
        var state = NetworkState()
        var anyVxlan = ownVxlan
        for peer in peers where random.chance(0.55) {
            let vxlan = !macs.isEmpty && random.chance(0.6)
            if vxlan {
                anyVxlan = true
                let mac = macs.removeLast()
                let publicIP = random.chance(0.2) ? random.pick(offLinkIPs) : random.pick(onLinkIPs)
                if directRouting && onLinkIPs.contains(publicIP) {
                    state.routes[PF.routeKey(peer)] = PF.directRoute(peer, via: publicIP)
                    continue
                }
                let route = PF.vxlanRoute(peer), neighbor = PF.neighbor(peer, mac: mac)
                let entry = PF.fdb(peer, mac: mac, dst: publicIP)
                state.routes[route.key] = route
                state.neighbors[neighbor.key] = neighbor
                state.fdb[entry.key] = entry
            } else {
                let route = PF.directRoute(peer, via: random.pick(onLinkIPs))
                state.routes[route.key] = route
            }
        }
        if anyVxlan {
            state.vxlan = PF.link(mac: ownVxlan ? (random.chance(0.85) ? PF.ownMAC : random.pick(ownMACs)) : nil, mtu: random.pick([1450, 1450, 1400]))
        }
        if !random.chance(0.1) {
            let table = PF.table(masquerade: random.chance(0.8))
            state.tables[table.key] = table
        }
        return state
    }

    /// Someone changed or removed things, or the device differs in ways the kernel can or
    /// cannot change in place.
    static func drifted(_ previous: NetworkState, _ random: inout SplitMix64) -> NetworkState {
        var state = previous
        for key in state.routes.keys.sorted() {
            if random.chance(0.15) { state.routes[key] = nil } else if random.chance(0.1) {
                state.routes[key]?.gateway = random.pick(onLinkIPs)
                state.routes[key]?.device = "eth0"
                state.routes[key]?.onLink = false
            }
        }
        for key in state.neighbors.keys.sorted() {
            if random.chance(0.15) { state.neighbors[key] = nil } else if random.chance(0.1) {
                state.neighbors[key]?.lladdr = random.pick(macs)
            }
        }
        for key in state.fdb.keys.sorted() {
            if random.chance(0.15) { state.fdb[key] = nil } else if random.chance(0.1) {
                state.fdb[key]?.destination = random.pick(onLinkIPs + offLinkIPs)
            }
        }
        if state.vxlan == nil && random.chance(0.2) { state.vxlan = PF.link(mac: random.pick(ownMACs)) }
        if var link = state.vxlan {
            if random.chance(0.08) { link.vni = 2 }
            if random.chance(0.08) { link.local = IPv4Address(192, 168, 1, 99) }
            if random.chance(0.08) { link.underlay = "eth1" }
            if random.chance(0.08) { link.port = 4789 }
            if random.chance(0.1) { link.mac = random.pick(ownMACs + [KernelModel.generatedMAC]) }
            if random.chance(0.15) { link.mtu = random.pick([1400, 1450, 1500]) }
            if random.chance(0.1) { link.learning = true }
            if random.chance(0.1) { link.up = false }
            if random.chance(0.15) { link.addresses = [] }
            if random.chance(0.15) {
                link.addresses = (link.addresses + [InterfaceAddress(address: IPv4Address(10, 244, 99, 0), length: 32)]).sorted()
            }
            state.vxlan = link
        }
        if random.chance(0.15) { state.tables[NftTable.flannelKey]?.chains.removeLast() }
        return state.kernelConsistent()
    }

    /// Owned objects nothing desires any more: peers that left, other metrics and prefixes.
    static func addStale(to state: inout NetworkState, _ random: inout SplitMix64) {
        for _ in 0..<Int.random(in: 0...3, using: &random) {
            let peer = random.pick(peers)
            let destination = random.chance(0.3)
                ? IPv4Prefix(address: IPv4Address(10, 244, peer, 128), length: 25) : PF.subnet(peer)
            let key = Route.Key(destination: destination, metric: random.pick([0, 0, 100]))
            guard state.routes[key] == nil else { continue }
            state.routes[key] = Route(key: key, gateway: random.pick(onLinkIPs), device: "eth0", proto: random.pick([.boot, .static]))
        }
        guard state.vxlan != nil else { return }
        for _ in 0..<Int.random(in: 0...2, using: &random) {
            let neighbor = PF.neighbor(random.pick(peers), mac: random.pick(macs))
            if state.neighbors[neighbor.key] == nil { state.neighbors[neighbor.key] = neighbor }
            let entry = PF.fdb(random.pick(peers), mac: random.pick(macs), dst: random.pick(onLinkIPs))
            if state.fdb[entry.key] == nil { state.fdb[entry.key] = entry }
        }
    }

    /// Objects the reconciler must never touch; a few sit on desired keys. Returns the desired
    /// route keys taken by a foreign route (conflicts).
    static func addForeign(to state: inout NetworkState, desired: NetworkState, _ random: inout SplitMix64)
        -> Set<Route.Key>
    {
        for route in PF.foreign.sortedRoutes where random.chance(0.7) { state.routes[route.key] = route }
        for neighbor in PF.foreign.sortedNeighbors where random.chance(0.7) { state.neighbors[neighbor.key] = neighbor }
        for entry in PF.foreign.sortedFdb where random.chance(0.7) { state.fdb[entry.key] = entry }
        for table in PF.foreign.sortedTables where random.chance(0.7) { state.tables[table.key] = table }
        // Same destinations as flannel's, in another table or of another kind.
        for peer in peers where random.chance(0.1) {
            let key = Route.Key(table: RouteTable(rawValue: 100), destination: PF.subnet(peer))
            state.routes[key] = Route(key: key, gateway: random.pick(onLinkIPs), device: "eth0")
        }
        var conflicts = Set<Route.Key>()
        for peer in peers where random.chance(0.06) {
            let key = PF.routeKey(peer)
            let route = random.chance(0.5)
                ? Route(key: key, type: random.pick([.blackhole, .unreachable, .prohibit]))
                : Route(key: key, device: "eth1", scope: .link, proto: .kernel)
            state.routes[key] = route
            if desired.routes[key] != nil { conflicts.insert(key) }
        }
        // A route for our own subnet that is not the kernel's (a blackhole-like helper).
        if random.chance(0.2) {
            let key = Route.Key(destination: PF.ownSubnet, metric: 10)
            state.routes[key] = Route(key: key, gateway: IPv4Address(192, 168, 1, 1), device: "eth0")
        }
        guard let link = state.vxlan else { return conflicts }
        // Learnt and bridge entries on our device, some on desired keys.
        for peer in peers where random.chance(0.1) {
            let key = Neighbor.Key(device: link.name, ip: PF.subnet(peer).address)
            guard state.neighbors[key] == nil else { continue }
            state.neighbors[key] = Neighbor(key: key, lladdr: random.chance(0.5) ? random.pick(macs) : nil,
                                            state: random.pick([.reachable, .stale, .incomplete, .failed]))
        }
        for mac in macs where random.chance(0.08) {
            let key = FdbEntry.Key(device: link.name, mac: mac)
            guard state.fdb[key] == nil else { continue }
            state.fdb[key] = random.chance(0.5)
                ? FdbEntry(key: key, destination: random.pick(onLinkIPs), isSelf: false, state: .reachable)
                : FdbEntry(key: key, destination: nil, isSelf: true)
        }
        if random.chance(0.2) {
            let key = FdbEntry.Key(device: link.name, mac: MACAddress(0))
            state.fdb[key] = FdbEntry(key: key, destination: nil, isSelf: true)
        }
        // Another table's route through our device: it goes when the device goes.
        if link.up && random.chance(0.15) {
            let key = Route.Key(table: RouteTable(rawValue: 200), destination: PF.subnet(random.pick(peers)))
            state.routes[key] = Route(key: key, device: link.name, scope: .link)
        }
        return conflicts
    }
}

extension NetworkState {
    /// Drops what the kernel could not hold: entries on a missing device, routes through a
    /// device that is down.
    func kernelConsistent(device: String = PF.device) -> NetworkState {
        var state = self
        guard let link = state.vxlan else {
            state.routes = state.routes.filter { $0.value.device != device }
            state.neighbors = state.neighbors.filter { $0.key.device != device }
            state.fdb = state.fdb.filter { $0.key.device != device }
            return state
        }
        if !link.up { state.routes = state.routes.filter { $0.value.device != link.name } }
        return state
    }
}
