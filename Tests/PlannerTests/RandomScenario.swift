import TestSupport
import NetState
import Planner


/// A random desired state, a random observed kernel and a random contract for the node of `PF`,
/// over a small address space (peers 2…9, six VtepMACs, six public IPs) so that keys collide
/// often. The kernel holds, next to flannel's objects, every kind of foreign object a node has
/// (`addForeign`) and the objects of random skipped peers (`addSkipped`).
struct RandomScenario {
    var seed: UInt64
    var desired: NetworkState
    var observed: NetworkState
    /// `PF.ownership`, sometimes with a second lease length, with the skipped peers' objects.
    var ownership: Ownership
    /// Foreign objects the generator built on purpose, each foreign for a reason of its own
    /// (the test checks the contract agrees with every reason).
    var builtForeign: NetworkState
    /// Skipped peers (by number) whose objects were put in the kernel.
    var skippedPeers: [UInt8]

    static let peers: [UInt8] = Array(2...9)
    static let macs: [MACAddress] = (1...6).map { PF.mac($0) }
    static let onLinkIPs: [IPv4Address] = (12...17).map { IPv4Address(192, 168, 1, $0) }
    static let offLinkIPs: [IPv4Address] = [IPv4Address(10, 0, 5, 20), IPv4Address(10, 0, 5, 21)]
    static let ownMACs = [PF.ownMAC, MACAddress(0x12c6_6589_b4e4)]
    /// A second lease length some scenarios' contracts allow (kube mode takes podCIDRs as they are).
    static let extraLength: UInt8 = 26

    init(seed: UInt64) {
        self.seed = seed
        var random = SplitMix64(seed: seed)
        let lengths: [UInt8] = random.chance(0.25) ? [24, Self.extraLength] : [24]
        desired = Self.flannelState(&random)
        var observed: NetworkState
        if random.chance(0.1) {
            observed = desired // converged but for foreign objects
        } else {
            observed = random.chance(0.15) ? NetworkState() : Self.drifted(Self.flannelState(&random), &random)
            Self.addStale(to: &observed, lengths: lengths, &random)
        }
        builtForeign = Self.addForeign(to: &observed, lengths: lengths, &random)
        var skipped = SkippedObjects()
        (skipped, skippedPeers) = Self.addSkipped(to: &observed, desired: desired, &random)
        // Half the nodes are dual-stack: every IPv4 object has its IPv6 image beside it (an
        // image of a foreign object is foreign for the same reason), plus the kernel's own IPv6
        // objects on the IPv6 device.
        let dualStack = random.chance(0.5)
        if dualStack {
            desired = desired.withIPv6Image
            observed = observed.withIPv6Image
            builtForeign = builtForeign.withIPv6Image
            Self.addKernelIPv6(to: &observed, foreign: &builtForeign)
            skipped = SkippedObjects(
                subnets: skipped.subnets.union(skipped.subnets.compactMap(\.ipv4).map { .v6(IPv6Image.prefix($0)) }),
                publicIPs: skipped.publicIPs.union(skipped.publicIPs.compactMap(\.ipv4).map { .v6(IPv6Image.address($0)) }),
                macs: skipped.macs
            )
        }
        observed = observed.kernelConsistent().kernelConsistent(device: IPv6Image.device, slot: \.vxlan6)
        self.observed = observed
        // What the generator built and the kernel still holds as built.
        builtForeign.routes = builtForeign.routes.filter { observed.routes[$0.key] == $0.value }
        builtForeign.neighbors = builtForeign.neighbors.filter { observed.neighbors[$0.key] == $0.value }
        builtForeign.fdb = builtForeign.fdb.filter { observed.fdb[$0.key] == $0.value }
        builtForeign.tables = builtForeign.tables.filter { observed.tables[$0.key] == $0.value }
        ownership = Ownership(
            ipv4: Ownership.Family(cluster: .v4(PF.cluster), ownSubnet: .v4(PF.ownSubnet), subnetLengths: lengths),
            ipv6: dualStack
                ? Ownership.Family(
                    cluster: .v6(IPv6Image.prefix(PF.cluster)), ownSubnet: .v6(IPv6Image.prefix(PF.ownSubnet)),
                    subnetLengths: lengths.map { $0 + 96 }
                ) : nil,
            vxlanDevice: PF.device, vxlan6Device: IPv6Image.device, underlay: "eth0", skipped: skipped
        )
    }

    /// What the kernel adds by itself on an IPv6 vxlan device and the underlay, never ours:
    /// `S6:: proto kernel` and `fe80::/64 proto kernel` on the device, the IPv6 default route,
    /// a learnt (reachable) neighbour.
    static func addKernelIPv6(to state: inout NetworkState, foreign: inout NetworkState) {
        var objects: [Route] = [
            Route(
                key: Route.Key(destination: IPv6Prefix(address: IPv6Address(0xfe80, 0, 0, 0, 0, 0, 0, 0), length: 64), metric: 256),
                device: IPv6Image.device, proto: .kernel
            ),
            Route(key: Route.Key(destination: IPv6Prefix(address: IPv6Address(high: 0, low: 0), length: 0), metric: 1024),
                  gateway: .v6(IPv6Address(0xfe80, 0, 0, 0, 0, 0, 0, 1)), device: "eth0", proto: .static),
        ]
        if state.vxlan6 != nil {
            objects.append(Route(
                key: Route.Key(destination: IPv6Image.prefix(PF.ownSubnet).address.asHostPrefix, metric: 256),
                device: IPv6Image.device, proto: .kernel
            ))
        }
        for route in objects where state.routes[route.key] == nil {
            state.routes[route.key] = route
            foreign.routes[route.key] = route
        }
        let learnt = Neighbor(
            key: Neighbor.Key(device: IPv6Image.device, ip: .v6(IPv6Address(0xfe80, 0, 0, 0, 0, 0, 0, 0x42))),
            lladdr: MACAddress(0x0200_0000_0042), state: .reachable
        )
        state.neighbors[learnt.key] = learnt
        foreign.neighbors[learnt.key] = learnt
        // Lease-shaped objects of one family on the other family's device: never ours (peer
        // 12 is outside the peers the desired states use, so nothing desired holds these keys).
        let v6Subnet = IPv6Image.prefix(PF.subnet(12)), v4Subnet = PF.subnet(13)
        let crossRoutes = [
            Route(key: Route.Key(destination: v6Subnet), gateway: .v6(v6Subnet.address), device: PF.device, onLink: true),
            Route(key: Route.Key(destination: v4Subnet), gateway: .v4(v4Subnet.address), device: IPv6Image.device, onLink: true),
        ]
        for route in crossRoutes {
            state.routes[route.key] = route
            foreign.routes[route.key] = route
        }
        let crossNeighbors = [
            Neighbor(key: Neighbor.Key(device: PF.device, ip: .v6(v6Subnet.address)), lladdr: MACAddress(0x0200_0000_0012)),
            Neighbor(key: Neighbor.Key(device: IPv6Image.device, ip: .v4(v4Subnet.address)), lladdr: MACAddress(0x0200_0000_0013)),
        ]
        for neighbor in crossNeighbors {
            state.neighbors[neighbor.key] = neighbor
            foreign.neighbors[neighbor.key] = neighbor
        }
        let crossFdb = [
            FdbEntry(device: PF.device, mac: MACAddress(0x0200_0000_0012), destination: .v6(IPv6Image.address(IPv4Address(192, 168, 1, 12)))),
            FdbEntry(device: IPv6Image.device, mac: MACAddress(0x0200_0000_0013), destination: .v4(IPv4Address(192, 168, 1, 13))),
        ]
        for entry in crossFdb {
            state.fdb[entry.key] = entry
            foreign.fdb[entry.key] = entry
        }
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
                state.routes[key]?.gateway = .v4(random.pick(onLinkIPs))
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
                state.fdb[key]?.destination = .v4(random.pick(onLinkIPs + offLinkIPs))
            }
        }
        if state.vxlan == nil && random.chance(0.2) { state.vxlan = PF.link(mac: random.pick(ownMACs)) }
        if var link = state.vxlan {
            if random.chance(0.08) { link.vni = 2 }
            if random.chance(0.08) { link.local = .v4(IPv4Address(192, 168, 1, 99)) }
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

    /// Owned objects nothing desires any more: peers that left, other metrics, and routes of
    /// the second lease length when the contract has one.
    static func addStale(to state: inout NetworkState, lengths: [UInt8], _ random: inout SplitMix64) {
        for _ in 0..<Int.random(in: 0...3, using: &random) {
            let peer = random.pick(peers)
            let destination = lengths.count > 1 && random.chance(0.4)
                ? IPv4Prefix(address: IPv4Address(10, 244, peer, 64), length: extraLength) : PF.subnet(peer)
            let key = Route.Key(destination: destination, metric: random.pick([0, 0, 100]))
            guard state.routes[key] == nil else { continue }
            state.routes[key] = random.chance(0.75)
                ? Route(key: key, gateway: .v4(random.pick(onLinkIPs)), device: "eth0")
                : Route(key: key, gateway: .v4(destination.address), device: PF.device, onLink: true)
        }
        guard state.vxlan != nil else { return }
        for _ in 0..<Int.random(in: 0...2, using: &random) {
            let neighbor = PF.neighbor(random.pick(peers), mac: random.pick(macs))
            if state.neighbors[neighbor.key] == nil { state.neighbors[neighbor.key] = neighbor }
            let entry = PF.fdb(random.pick(peers), mac: random.pick(macs), dst: random.pick(onLinkIPs))
            if state.fdb[entry.key] == nil { state.fdb[entry.key] = entry }
        }
    }

    /// `rtm_protocol` values a node's routes carry: flannel's (boot), static, connected, and
    /// routing daemons' (bird 12, zebra 11, bgp 186, dhcp 16).
    static let protocols: [RouteProtocol] = [
        .boot, .static, .kernel, RouteProtocol(rawValue: 12), RouteProtocol(rawValue: 11), RouteProtocol(rawValue: 186),
        RouteProtocol(rawValue: 16),
    ]
    static let otherDevices = ["eth1", "cni0", "docker0", "flannel.2"]
    static let learntStates: [NeighborState] = [.incomplete, .reachable, .stale, .delay, .probe, .failed, .noarp]
    static let gateway = IPv4Address(192, 168, 1, 1)

    /// Objects the reconciler must never touch, every kind a node has, many on desired keys.
    /// Each is foreign for a reason of its own; returns them (a later object may take a key).
    static func addForeign(to state: inout NetworkState, lengths: [UInt8], _ random: inout SplitMix64) -> NetworkState {
        var built = NetworkState()
        func put(_ route: Route) { (state.routes[route.key], built.routes[route.key]) = (route, route) }
        func put(_ neighbor: Neighbor) { (state.neighbors[neighbor.key], built.neighbors[neighbor.key]) = (neighbor, neighbor) }
        func put(_ entry: FdbEntry) { (state.fdb[entry.key], built.fdb[entry.key]) = (entry, entry) }
        for route in PF.foreign.sortedRoutes where random.chance(0.6) { put(route) }
        for neighbor in PF.foreign.sortedNeighbors where random.chance(0.6) { put(neighbor) }
        for entry in PF.foreign.sortedFdb where random.chance(0.6) { put(entry) }
        for table in PF.foreign.sortedTables where random.chance(0.6) {
            (state.tables[table.key], built.tables[table.key]) = (table, table)
        }
        // Default routes, at several metrics, of any protocol (DHCP's, a static one, even boot).
        for metric: UInt32 in [0, 100, 600] where random.chance(0.4) {
            let key = Route.Key(destination: IPv4Prefix(address: IPv4Address(0), length: 0), metric: metric)
            put(Route(key: key, gateway: .v4(gateway), device: random.pick(["eth0", "eth0", "eth1"]), proto: random.pick(protocols)))
        }
        for _ in 0..<Int.random(in: 0...10, using: &random) { put(foreignRoute(lengths: lengths, &random)) }

        // Neighbours on other devices (any state), learnt ones on ours; many on peers' S.0.
        for _ in 0..<Int.random(in: 0...5, using: &random) {
            let ip = random.chance(0.6) ? PF.subnet(random.pick(peers)).address : IPv4Address(192, 168, 1, UInt8.random(in: 1...30, using: &random))
            let lladdr: MACAddress? = random.chance(0.8) ? random.pick(macs) : nil
            if random.chance(0.5) {
                let key = Neighbor.Key(device: random.pick(["eth0"] + otherDevices), ip: ip)
                put(Neighbor(key: key, lladdr: lladdr, state: random.pick(learntStates + [.permanent])))
            } else {
                put(Neighbor(key: Neighbor.Key(device: PF.device, ip: ip), lladdr: lladdr, state: random.pick(learntStates)))
            }
        }
        // FDB entries on other devices; on ours, bridge (not `self`) ones and `self` ones without
        // a destination (the all-zeros default entry).
        for _ in 0..<Int.random(in: 0...5, using: &random) {
            let mac = random.chance(0.7) ? random.pick(macs) : MACAddress(UInt64.random(in: 0...0xfeff_ffff_ffff, using: &random))
            let destination: IPv4Address? = random.chance(0.7) ? random.pick(onLinkIPs) : nil
            switch Int.random(in: 0..<3, using: &random) {
            case 0:
                let key = FdbEntry.Key(device: random.pick(["eth0", "vxlan0"] + otherDevices), mac: mac)
                put(FdbEntry(key: key, destination: destination.map { .v4($0) }, isSelf: random.chance(0.5), state: random.pick([.permanent, .reachable, .stale])))
            case 1:
                let key = FdbEntry.Key(device: PF.device, mac: mac)
                put(FdbEntry(key: key, destination: destination.map { .v4($0) }, isSelf: false, state: random.pick([.permanent, .reachable, .stale])))
            default:
                put(FdbEntry(key: FdbEntry.Key(device: PF.device, mac: random.chance(0.5) ? MACAddress(0) : mac), destination: nil))
            }
        }
        if random.chance(0.3) {
            let table = NftTable(key: NftTable.Key(family: .ip, name: "kube-proxy"), chains: [])
            (state.tables[table.key], built.tables[table.key]) = (table, table)
        }
        return built
    }

    /// A destination in the cluster at `length`: often a peer's own subnet, so keys collide.
    static func clusterDestination(length: UInt8, _ random: inout SplitMix64) -> IPv4Prefix {
        let address = random.chance(0.5)
            ? PF.subnet(random.pick(peers)).address
            : IPv4Address(10, 244, UInt8.random(in: 0...255, using: &random), UInt8.random(in: 0...255, using: &random))
        return IPv4Prefix(address: address, length: length)
    }

    /// A route with flannel's shape (proto boot, table main, via a gateway on the underlay or
    /// onlink on the vxlan device), to `destination`.
    static func flannelShaped(_ destination: IPv4Prefix, _ random: inout SplitMix64) -> Route {
        let key = Route.Key(destination: destination, metric: random.pick([0, 0, 100]))
        return random.chance(0.6)
            ? Route(key: key, gateway: .v4(random.pick(onLinkIPs)), device: "eth0")
            : Route(key: key, gateway: .v4(destination.address), device: PF.device, onLink: true)
    }

    /// One route the contract must not grant, foreign for one reason picked at random.
    static func foreignRoute(lengths: [UInt8], _ random: inout SplitMix64) -> Route {
        let leaseLength = random.pick(lengths)
        let anyLength = UInt8.random(in: 0...32, using: &random)
        switch Int.random(in: 0..<9, using: &random) {
        case 0: // another protocol, inside the cluster, a lease's length or any other
            var route = flannelShaped(clusterDestination(length: random.chance(0.5) ? leaseLength : anyLength, &random), &random)
            route.proto = random.pick(protocols.filter { $0 != .boot })
            return route
        case 1: // a length no lease has
            let length = random.pick((0...32).filter { !lengths.contains($0) })
            var route = flannelShaped(clusterDestination(length: length, &random), &random)
            if random.chance(0.3) { route.proto = random.pick(protocols) }
            return route
        case 2: // outside the cluster, any length, any protocol
            var address = IPv4Address(UInt32.random(in: 0...UInt32.max, using: &random))
            if PF.cluster.contains(address) { address = IPv4Address(address.value ^ 0x8000_0000) }
            var route = flannelShaped(IPv4Prefix(address: address, length: anyLength), &random)
            route.proto = random.pick(protocols)
            return route
        case 3: // another table
            var route = flannelShaped(clusterDestination(length: leaseLength, &random), &random)
            route.key.table = RouteTable(rawValue: random.pick([100, 200, 253, 255]))
            if random.chance(0.3) { route.proto = random.pick(protocols) }
            return route
        case 4: // not unicast
            let key = Route.Key(destination: clusterDestination(length: leaseLength, &random), metric: random.pick([0, 0, 100]))
            return Route(key: key, type: random.pick([.blackhole, .unreachable, .prohibit]), proto: random.pick(protocols))
        case 5: // via a gateway on another device
            var route = flannelShaped(clusterDestination(length: leaseLength, &random), &random)
            route.device = random.pick(otherDevices)
            route.gateway = .v4(random.pick(onLinkIPs + [IPv4Address(10, 0, 0, 1)]))
            route.onLink = false
            return route
        case 6: // on the underlay without a gateway
            let key = Route.Key(destination: clusterDestination(length: leaseLength, &random), metric: random.pick([0, 0, 100]))
            return Route(key: key, device: "eth0", scope: .link, proto: random.chance(0.7) ? .boot : random.pick(protocols))
        case 7: // inside our own lease: per-pod routes, the cni0 route
            let address = IPv4Address(10, 244, 1, UInt8.random(in: 0...255, using: &random))
            let destination = IPv4Prefix(address: address, length: random.pick([24, Self.extraLength, 32]))
            var route = flannelShaped(destination, &random)
            if random.chance(0.5) { (route.device, route.gateway, route.onLink, route.scope) = ("cali1234", nil, false, .link) }
            return route
        default: // the cluster route itself (old flannel's `10.244.0.0/16 dev flannel.1`)
            return flannelShaped(PF.cluster, &random)
        }
    }

    /// Random skipped peers (not desired: peers 2…12 that the desired state has not) with their
    /// objects in the kernel, as flannel left them; sometimes a desired peer's FDB entry still
    /// points at a skipped peer's PublicIP. A skipped peer's VtepMAC is sometimes unknown (its
    /// record did not parse): only its neighbour entry says which FDB entry is its.
    ///
    /// Now and then a skipped peer shares a desired peer's PublicIP or VtepMAC, or its stale
    /// neighbour points at a desired peer's MAC (`PeerScreening` skips both leases of such a
    /// pair, but not a rejected record and a lease): that desired FDB entry is protected.
    static func addSkipped(to state: inout NetworkState, desired: NetworkState, _ random: inout SplitMix64)
        -> (SkippedObjects, [UInt8])
    {
        guard random.chance(0.6) else { return (SkippedObjects(), []) }
        let desiredMACs = Set(desired.fdb.keys.map(\.mac))
        let desiredIPs = Set(desired.fdb.values.compactMap { $0.destination?.ipv4 })
        let freeMACs = (1...9).map { PF.mac($0) }.filter { !desiredMACs.contains($0) }
        let freeIPs = ((12...20).map { IPv4Address(192, 168, 1, $0) } + offLinkIPs).filter { !desiredIPs.contains($0) }
        var subnets = Set<IPv4Prefix>(), publicIPs = Set<IPv4Address>(), skippedMACs = Set<MACAddress>()
        var present: [UInt8] = []
        for peer in UInt8(2)...12 where desired.routes[PF.routeKey(peer)] == nil && random.chance(0.35) {
            let mac = random.chance(0.06) && !desiredMACs.isEmpty ? random.pick(desiredMACs.sorted()) : random.pick(freeMACs)
            let publicIP = random.chance(0.06) && !desiredIPs.isEmpty ? random.pick(desiredIPs.sorted()) : random.pick(freeIPs)
            subnets.insert(PF.subnet(peer))
            if random.chance(0.7) { publicIPs.insert(publicIP) }
            if random.chance(0.6) { skippedMACs.insert(mac) }
            guard random.chance(0.85) else { continue }
            present.append(peer)
            let route = random.chance(0.5)
                ? PF.vxlanRoute(peer) : Route(key: PF.routeKey(peer), gateway: .v4(random.pick(onLinkIPs)), device: "eth0")
            state.routes[route.key] = route
            guard state.vxlan != nil else { continue }
            let neighbor = Neighbor(
                key: Neighbor.Key(device: PF.device, ip: PF.subnet(peer).address), lladdr: mac,
                state: random.chance(0.8) ? .permanent : random.pick(learntStates)
            )
            state.neighbors[neighbor.key] = neighbor
            state.fdb[FdbEntry.Key(device: PF.device, mac: mac)] = FdbEntry(device: PF.device, mac: mac, destination: .v4(publicIP))
            // A desired peer's entry that still points at this peer's PublicIP: its key is
            // desired, its value is the skipped peer's.
            if publicIPs.contains(publicIP), let stolen = desiredMACs.sorted().first(where: { _ in random.chance(0.3) }) {
                state.fdb[FdbEntry.Key(device: PF.device, mac: stolen)] = FdbEntry(device: PF.device, mac: stolen, destination: .v4(publicIP))
            }
        }
        // Records of which nothing but a PublicIP or a VtepMAC could be read.
        if random.chance(0.2) { publicIPs.insert(random.pick(freeIPs)) }
        if random.chance(0.2) { skippedMACs.insert(random.pick(freeMACs)) }
        // What the kernel's neighbour of a skipped subnet points at is the skipped peer's MAC;
        // an older one left on a desired peer's MAC would make a desired entry theirs.
        for subnet in subnets {
            let key = Neighbor.Key(device: PF.device, ip: subnet.address)
            if let lladdr = state.neighbors[key]?.lladdr, desiredMACs.contains(lladdr), random.chance(0.8) {
                state.neighbors[key]?.lladdr = random.pick(freeMACs)
            }
        }
        return (SkippedObjects(subnets: Set(subnets.map(IPPrefix.v4)), publicIPs: Set(publicIPs.map(IPAddress.v4)), macs: skippedMACs), present)
    }
}

extension NetworkState {
    /// Drops what the kernel could not hold: entries on a missing device, routes through a
    /// device that is down.
    func kernelConsistent(device: String = PF.device, slot: KeyPath<NetworkState, VxlanLink?> = \.vxlan) -> NetworkState {
        var state = self
        guard let link = state[keyPath: slot] else {
            state.routes = state.routes.filter { $0.value.device != device }
            state.neighbors = state.neighbors.filter { $0.key.device != device }
            state.fdb = state.fdb.filter { $0.key.device != device }
            return state
        }
        if !link.up { state.routes = state.routes.filter { $0.value.device != link.name } }
        return state
    }
}

/// The IPv6 image of the planner fixture's IPv4 world: an IPv4 address `a.b.c.d` becomes
/// `fd00::a.b.c.d` (the IPv4 bits in the low 32 bits under `fd00::/96`), a prefix of length L
/// one of length L + 96, so containment, overlap and equality carry over exactly; `flannel.1`
/// becomes `flannel-v6.1`.
enum IPv6Image {
    static let device = "flannel-v6.1"

    static func address(_ ip: IPv4Address) -> IPv6Address { IPv6Address(high: 0xfd00 << 48, low: UInt64(ip.value)) }

    static func prefix(_ prefix: IPv4Prefix) -> IPv6Prefix {
        IPv6Prefix(address: address(prefix.address), length: prefix.length + 96)
    }

    static func address(_ ip: IPAddress) -> IPAddress { ip.ipv4.map { .v6(address($0)) } ?? ip }

    static func device(_ name: String) -> String { name == PF.device ? device : name }
}

extension IPv6Address {
    var asHostPrefix: IPv6Prefix { IPv6Prefix(address: self, length: 128) }
}

extension NetworkState {
    /// This state with the IPv6 image of each IPv4 object added beside it.
    var withIPv6Image: NetworkState {
        var state = self
        for route in routes.values {
            guard case let .v4(destination) = route.key.destination else { continue }
            var image = route
            image.key.destination = .v6(IPv6Image.prefix(destination))
            image.gateway = route.gateway.map(IPv6Image.address)
            image.preferredSource = route.preferredSource.map(IPv6Image.address)
            image.device = route.device.map(IPv6Image.device)
            state.routes[image.key] = image
        }
        for neighbor in neighbors.values where neighbor.key.family == .inet {
            var image = neighbor
            image.key = Neighbor.Key(device: IPv6Image.device(neighbor.key.device), ip: IPv6Image.address(neighbor.key.ip))
            state.neighbors[image.key] = image
        }
        for entry in fdb.values where entry.destination?.family != .inet6 {
            var image = entry
            image.key.device = IPv6Image.device(entry.key.device)
            image.destination = entry.destination.map(IPv6Image.address)
            state.fdb[image.key] = image
        }
        if let link = vxlan {
            var image = link
            image.name = IPv6Image.device
            image.local = link.local.map(IPv6Image.address)
            image.addresses = link.addresses.map { InterfaceAddress(address: IPv6Image.address($0.address), length: $0.length + 96) }
            state.vxlan6 = image
        }
        return state
    }
}
