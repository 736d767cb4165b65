import NetState
import Planner
import Testing

@Suite struct OwnershipTests {
    static let ownership = PF.ownership

    @Test func flannelsRoutesAreOwned() {
        #expect(Self.ownership.owns(PF.vxlanRoute(2)))
        #expect(Self.ownership.owns(PF.directRoute(3)))
        // Stale leftovers of flannel's shape: another metric, another gateway on the underlay.
        #expect(Self.ownership.owns(Route(key: Route.Key(destination: PF.subnet(4), metric: 100), gateway: .v4(PF.publicIP(4)), device: "eth0")))
        #expect(Self.ownership.owns(Route(key: PF.routeKey(5), gateway: .v4(IPv4Address(192, 168, 1, 99)), device: "eth0")))
    }

    @Test func foreignRoutes() {
        let foreign: [Route] = [
            // Another table, even with a cluster destination.
            Route(key: Route.Key(table: RouteTable(rawValue: 100), destination: PF.subnet(2)), gateway: .v4(PF.publicIP(2)), device: "eth0"),
            Route(key: Route.Key(table: .local, destination: PF.subnet(2)), gateway: .v4(PF.publicIP(2)), device: "eth0"),
            // Outside the cluster: default and underlay routes.
            Route(key: Route.Key(destination: IPv4Prefix(address: IPv4Address(0), length: 0)), gateway: .v4(IPv4Address(192, 168, 1, 1)), device: "eth0"),
            Route(key: Route.Key(destination: IPv4Prefix(address: IPv4Address(192, 168, 1, 0), length: 24)), device: "eth0", scope: .link, proto: .kernel),
            Route(key: Route.Key(destination: IPv4Prefix(address: IPv4Address(10, 0, 0, 0), length: 8)), gateway: .v4(IPv4Address(192, 168, 1, 1)), device: "eth0"),
            // Our own subnet, whoever made it.
            Route(key: Route.Key(destination: PF.ownSubnet), device: "cni0", scope: .link, proto: .kernel),
            Route(key: Route.Key(destination: PF.ownSubnet), device: "cni0", scope: .link),
            Route(key: Route.Key(destination: PF.ownSubnet, metric: 50), gateway: .v4(PF.publicIP(2)), device: "eth0"),
            // Not unicast.
            Route(key: Route.Key(destination: PF.subnet(3)), type: .blackhole),
            Route(key: Route.Key(destination: PF.subnet(3)), type: .unreachable),
            Route(key: Route.Key(destination: PF.subnet(3)), type: .prohibit),
            Route(key: Route.Key(destination: PF.subnet(3)), type: .local, device: "eth0"),
            // Made by the kernel.
            Route(key: Route.Key(destination: PF.subnet(3)), device: "eth1", scope: .link, proto: .kernel),
        ]
        for route in foreign { #expect(!Self.ownership.owns(route), "\(route)") }
    }

    @Test func theClusterRouteItselfIsNotOwned() {
        // `10.244.0.0/16 dev flannel.1` (old flannel, or an admin's) lies inside Network, but no
        // lease is a /16: it is not a route to a peer, and stays.
        #expect(!Self.ownership.owns(Route(key: Route.Key(destination: PF.cluster), device: PF.device, scope: .link)))
        #expect(!Self.ownership.owns(Route(key: Route.Key(destination: PF.cluster), gateway: .v4(PF.publicIP(2)), device: "eth0")))
    }

    /// Routes inside our own lease (Canal's Felix programs `10.244.1.5 dev cali… scope link`,
    /// `proto boot` by default) are never flannel's: flannel installs nothing inside its own
    /// subnet. Owning them would make a plan delete every local pod's route.
    /// Per-pod routes inside our own lease (Calico's, in Canal) are never ours.
    @Test func routesInsideTheOwnSubnetAreForeign() {
        let podRoute = Route(key: Route.Key(destination: IPv4Prefix(address: IPv4Address(10, 244, 1, 5), length: 32)), device: "cali1234", scope: .link)
        #expect(!Self.ownership.owns(podRoute))
    }

    @Test func neighbours() {
        #expect(Self.ownership.owns(PF.neighbor(2)))
        #expect(Self.ownership.owns(Neighbor(key: Neighbor.Key(device: PF.device, ip: IPv4Address(10, 244, 9, 0)), lladdr: nil)))
        for state in [NeighborState.reachable, .stale, .incomplete, .delay, .probe, .failed, .noarp] {
            var learnt = PF.neighbor(2)
            learnt.state = state
            #expect(!Self.ownership.owns(learnt), "\(state)")
        }
        #expect(!Self.ownership.owns(Neighbor(key: Neighbor.Key(device: "eth0", ip: PF.publicIP(2)), lladdr: PF.mac(2))))
        #expect(!Self.ownership.owns(Neighbor(key: Neighbor.Key(device: "flannel.2", ip: PF.subnet(2).address), lladdr: PF.mac(2))))
    }

    @Test func fdbEntries() {
        #expect(Self.ownership.owns(PF.fdb(2)))
        #expect(!Self.ownership.owns(FdbEntry(key: FdbEntry.Key(device: PF.device, mac: PF.mac(2)), destination: .v4(PF.publicIP(2)), isSelf: false)))
        #expect(!Self.ownership.owns(FdbEntry(key: FdbEntry.Key(device: PF.device, mac: MACAddress(0)), destination: nil)))
        #expect(!Self.ownership.owns(FdbEntry(device: "vxlan0", mac: PF.mac(2), destination: .v4(PF.publicIP(2)))))
        #expect(!Self.ownership.owns(FdbEntry(device: "eth0", mac: PF.mac(2), destination: .v4(PF.publicIP(2)))))
    }

    @Test func tables() {
        #expect(Self.ownership.owns(NftTable.flannelKey))
        #expect(!Self.ownership.owns(NftTable.Key(family: .inet, name: "flannel-ipv4")))
        // flannel's IPv6 table is flannel's even on a node without IPv6 (its leftover goes).
        #expect(Self.ownership.ipv6 == nil && Self.ownership.owns(NftTable.flannel6Key))
        #expect(!Self.ownership.owns(NftTable.Key(family: .ip, name: "flannel-ipv6")))
        #expect(!Self.ownership.owns(NftTable.Key(family: .inet, name: "flannel-ipv6")))
        #expect(!Self.ownership.owns(NftTable.Key(family: .ip6, name: "flannel-ipv4")))
        #expect(!Self.ownership.owns(NftTable.Key(family: .ip6, name: "nat")))
        #expect(!Self.ownership.owns(NftTable.Key(family: .ip, name: "nat")))
        #expect(!Self.ownership.owns(NftTable.Key(family: .ip, name: "kube-proxy")))
    }

    @Test func ownedPartKeepsExactlyTheOwnedObjects() {
        let flannel = PF.state(vxlan: [2, 3], hostGW: [4])
        let observed = flannel.merging(PF.foreign)
        #expect(Self.ownership.ownedPart(of: observed) == flannel)
        var other = observed
        other.vxlan?.name = "flannel.2"
        #expect(Self.ownership.ownedPart(of: other).vxlan == nil, "another VNI's device is not ours")
    }
}

/// DESIGN.md's ownership rule, case by case, each asked of `Ownership` and of the tests' own
/// statement of the rule (`ReferenceOwnership`), which must agree.
@Suite struct OwnershipRuleTests {
    static let ownership = PF.ownership
    static let defaultDestination = IPv4Prefix(address: IPv4Address(0), length: 0)
    static let bird = RouteProtocol(rawValue: 12), zebra = RouteProtocol(rawValue: 11)
    static let bgp = RouteProtocol(rawValue: 186), dhcp = RouteProtocol(rawValue: 16)
    static let protocols: [RouteProtocol] = [.unspec, .redirect, .kernel, .boot, .static, bird, zebra, bgp, dhcp]

    /// Asks both statements of the rule; `observed` is where learnt MACs come from.
    static func owned(_ route: Route, _ ownership: Ownership = ownership, observed: NetworkState = NetworkState()) -> Bool {
        let contract = ownership.protectingLearntMACs(in: observed)
        let reference = ReferenceOwnership(ownership, observed: observed).owns(route)
        #expect(contract.owns(route) == reference, "Ownership and the rule disagree on \(route)")
        return contract.owns(route)
    }

    static func owned(_ neighbor: Neighbor, _ ownership: Ownership = ownership, observed: NetworkState = NetworkState()) -> Bool {
        let contract = ownership.protectingLearntMACs(in: observed)
        #expect(contract.owns(neighbor) == ReferenceOwnership(ownership, observed: observed).owns(neighbor), "\(neighbor)")
        return contract.owns(neighbor)
    }

    static func owned(_ entry: FdbEntry, _ ownership: Ownership = ownership, observed: NetworkState = NetworkState()) -> Bool {
        let contract = ownership.protectingLearntMACs(in: observed)
        #expect(contract.owns(entry) == ReferenceOwnership(ownership, observed: observed).owns(entry), "\(entry)")
        return contract.owns(entry)
    }

    @Test func theDefaultRouteIsNeverOwned() {
        // Whoever installed it, at any metric, through any device, even `proto boot`; and even
        // with a contract whose lease lengths include 0.
        let widest = Ownership(cluster: PF.cluster, ownSubnet: PF.ownSubnet, vxlanDevice: PF.device, underlay: "eth0", subnetLengths: [0, 24])
        for proto in Self.protocols {
            for metric: UInt32 in [0, 100, 600, 1024] {
                for device in ["eth0", PF.device] {
                    let route = Route(key: Route.Key(destination: Self.defaultDestination, metric: metric), gateway: .v4(IPv4Address(192, 168, 1, 1)), device: device, proto: proto)
                    #expect(!Self.owned(route), "\(route)")
                    #expect(!Self.owned(route, widest), "\(route)")
                }
            }
        }
    }

    @Test func onlyProtoBootIsFlannels() {
        // `10.244.4.0/24 via P dev eth0`: ours as flannel installs it (proto boot), not as an
        // admin (static), a routing daemon or DHCP would.
        let peer = PF.publicIP(4)
        for proto in Self.protocols {
            let route = Route(key: PF.routeKey(4), gateway: .v4(peer), device: "eth0", proto: proto)
            #expect(Self.owned(route) == (proto == .boot), "\(route)")
            var vxlan = PF.vxlanRoute(4)
            vxlan.proto = proto
            #expect(Self.owned(vxlan) == (proto == .boot), "\(vxlan)")
        }
        #expect(!Self.owned(Route(key: PF.routeKey(4), gateway: .v4(peer), device: "eth0", proto: .static)))
        #expect(Self.owned(Route(key: PF.routeKey(4), gateway: .v4(peer), device: "eth0", proto: .boot)))
    }

    @Test func onlyALeasesPrefixLength() {
        let slash25 = Route(key: Route.Key(destination: IPv4Prefix(address: IPv4Address(10, 244, 5, 128), length: 25)), gateway: .v4(PF.publicIP(5)), device: "eth0")
        #expect(!Self.owned(slash25), "25 is not among the lease lengths [24]")
        let with25 = Ownership(cluster: PF.cluster, ownSubnet: PF.ownSubnet, vxlanDevice: PF.device, underlay: "eth0", subnetLengths: [24, 25])
        #expect(Self.owned(slash25, with25), "a lease of length 25 exists")
        // Every length but 24, inside the cluster, in flannel's shape: not ours.
        for length in UInt8(0)...32 where length != 24 {
            let destination = IPv4Prefix(address: IPv4Address(10, 244, 6, 0), length: length)
            #expect(!Self.owned(Route(key: Route.Key(destination: destination), gateway: .v4(PF.publicIP(6)), device: "eth0")), "/\(length)")
            #expect(!Self.owned(Route(key: Route.Key(destination: destination), gateway: .v4(destination.address), device: PF.device, onLink: true)), "/\(length)")
        }
        // Outside the cluster: never, at any length.
        for length in UInt8(0)...32 {
            let destination = IPv4Prefix(address: IPv4Address(10, 245, 6, 0), length: length)
            #expect(!Self.owned(Route(key: Route.Key(destination: destination), gateway: .v4(PF.publicIP(6)), device: "eth0")), "\(destination)")
        }
    }

    @Test func theClusterRouteIsNotOwned() {
        for proto in Self.protocols {
            #expect(!Self.owned(Route(key: Route.Key(destination: PF.cluster), device: PF.device, scope: .link, proto: proto)))
            #expect(!Self.owned(Route(key: Route.Key(destination: PF.cluster), gateway: .v4(IPv4Address(192, 168, 1, 1)), device: "eth0", proto: proto)))
        }
    }

    @Test func onlyTheVxlanDeviceOrAGatewayOnTheUnderlay() {
        // Via a gateway on another device: not ours, whatever its protocol.
        for device in ["eth1", "cni0", "docker0", "flannel.2", "lo"] {
            #expect(!Self.owned(Route(key: PF.routeKey(4), gateway: .v4(PF.publicIP(4)), device: device)), "\(device)")
        }
        // On the underlay without a gateway (a connected-style route): not ours.
        #expect(!Self.owned(Route(key: PF.routeKey(4), device: "eth0", scope: .link)))
        // No device at all.
        #expect(!Self.owned(Route(key: PF.routeKey(4), gateway: .v4(PF.publicIP(4)))))
    }

    @Test func onTheVxlanDeviceWithoutGateway() {
        // `10.244.4.0/24 dev flannel.1`: ours only as proto boot at a lease's length.
        let plain = Route(key: PF.routeKey(4), device: PF.device, scope: .link)
        #expect(Self.owned(plain))
        for proto in Self.protocols where proto != .boot {
            var route = plain
            route.proto = proto
            #expect(!Self.owned(route), "\(route)")
        }
        let slash25 = Route(key: Route.Key(destination: IPv4Prefix(address: IPv4Address(10, 244, 4, 0), length: 25)), device: PF.device, scope: .link)
        #expect(!Self.owned(slash25))
        // Other tables and types never.
        #expect(!Self.owned(Route(key: Route.Key(table: RouteTable(rawValue: 200), destination: PF.subnet(4)), device: PF.device, scope: .link)))
        #expect(!Self.owned(Route(key: PF.routeKey(4), type: .blackhole)))
    }

    static let skippedPeer: UInt8 = 7
    static let skippedMAC = PF.mac(7)
    static let skippedIP = PF.publicIP(7)
    static func skipping(subnet: Bool = true, publicIP: Bool = false, mac: Bool = false) -> Ownership {
        var ownership = PF.ownership
        ownership.skipped = SkippedObjects(
            subnets: subnet ? [.v4(PF.subnet(skippedPeer))] : [], publicIPs: publicIP ? [.v4(skippedIP)] : [], macs: mac ? [skippedMAC] : []
        )
        return ownership
    }

    @Test func aSkippedPeersObjectsAreNotOwned() {
        let ownership = Self.skipping()
        let peer = Self.skippedPeer
        #expect(!Self.owned(PF.vxlanRoute(peer), ownership))
        #expect(!Self.owned(PF.directRoute(peer), ownership))
        #expect(!Self.owned(Route(key: Route.Key(destination: PF.subnet(peer), metric: 100), gateway: .v4(PF.publicIP(peer)), device: "eth0"), ownership))
        #expect(!Self.owned(PF.neighbor(peer), ownership))
        // The other peers' are.
        #expect(Self.owned(PF.vxlanRoute(2), ownership) && Self.owned(PF.neighbor(2), ownership) && Self.owned(PF.fdb(2), ownership))
        // Its FDB entry is its by MAC or by destination.
        #expect(!Self.owned(PF.fdb(peer), Self.skipping(mac: true)))
        #expect(!Self.owned(FdbEntry(device: PF.device, mac: Self.skippedMAC, destination: .v4(PF.publicIP(3))), Self.skipping(mac: true)))
        #expect(!Self.owned(PF.fdb(peer), Self.skipping(publicIP: true)))
        #expect(!Self.owned(FdbEntry(device: PF.device, mac: PF.mac(9), destination: .v4(Self.skippedIP)), Self.skipping(publicIP: true)))
        #expect(Self.owned(PF.fdb(peer), Self.skipping(subnet: false)), "nothing says the entry is a skipped peer's")
    }

    /// A skipped peer whose record did not parse has no known VtepMAC: the MAC its neighbour
    /// entry on the vxlan device points at (permanent or learnt) is its, and so are FDB entries
    /// of that MAC. `protectingLearntMACs` adds them; the planner plans under it.
    @Test func aSkippedPeersLearntMACIsProtected() {
        let ownership = Self.skipping()
        let peer = Self.skippedPeer
        for state in [NeighborState.permanent, .reachable, .stale] {
            var observed = NetworkState()
            var neighbor = PF.neighbor(peer, mac: PF.mac(8))
            neighbor.state = state
            observed.neighbors[neighbor.key] = neighbor
            let entry = PF.fdb(peer, mac: PF.mac(8), dst: PF.publicIP(5))
            observed.fdb[entry.key] = entry
            #expect(ownership.owns(entry), "without the observation nothing says so")
            #expect(!Self.owned(entry, ownership, observed: observed), "\(state)")
            #expect(Self.owned(PF.fdb(2), ownership, observed: observed), "other MACs stay ours")
            let contract = ownership.protectingLearntMACs(in: observed)
            #expect(contract.skipped.macs == [PF.mac(8)])
            #expect(contract.refusal(of: .fdb(.delete(entry))) != nil)
            #expect(contract.refusal(of: .fdb(.replace(old: entry, new: PF.fdb(8)))) != nil)
            // A plan under the contract leaves it.
            let plan = Planner.plan(desired: PF.state(vxlan: [2]), observed: observed.merging(PF.state()), ownership: ownership)
            #expect(!plan.changes.contains { $0 == .fdb(.delete(entry)) }, "\(plan.changes)")
            #expect(plan.ownership.skipped.macs.contains(PF.mac(8)))
        }
        // A neighbour on another device says nothing.
        var elsewhere = NetworkState()
        let onEth0 = Neighbor(key: Neighbor.Key(device: "eth0", ip: PF.subnet(peer).address), lladdr: PF.mac(8))
        elsewhere.neighbors[onEth0.key] = onEth0
        #expect(Self.owned(PF.fdb(peer, mac: PF.mac(8), dst: PF.publicIP(5)), ownership, observed: elsewhere))
    }

    /// The executor's check refuses every change to a skipped peer's object.
    @Test func refusalsOfSkippedPeersObjects() {
        let ownership = Self.skipping(publicIP: true, mac: true)
        let peer = Self.skippedPeer
        let changes: [Change] = [
            .route(.create(PF.vxlanRoute(peer))), .route(.delete(PF.directRoute(peer))),
            .route(.replace(old: PF.directRoute(peer), new: PF.vxlanRoute(peer))),
            .neighbor(.create(PF.neighbor(peer))), .neighbor(.delete(PF.neighbor(peer))),
            .neighbor(.replace(old: Neighbor(key: PF.neighbor(peer).key, lladdr: nil, state: .stale), new: PF.neighbor(peer))),
            .fdb(.create(PF.fdb(peer))), .fdb(.delete(PF.fdb(peer))),
            .fdb(.replace(old: FdbEntry(key: PF.fdb(peer).key, destination: nil, isSelf: false), new: PF.fdb(peer))),
            .fdb(.replace(old: PF.fdb(3, dst: Self.skippedIP), new: PF.fdb(3))),
        ]
        for change in changes { #expect(ownership.refusal(of: change) != nil, "\(change)") }
        // While the same changes to another peer's are accepted.
        #expect(ownership.refusal(of: .route(.create(PF.vxlanRoute(2)))) == nil)
        #expect(ownership.refusal(of: .fdb(.replace(old: FdbEntry(key: PF.fdb(2).key, destination: nil, isSelf: false), new: PF.fdb(2)))) == nil)
    }
}

/// A desired object the contract protects (a skipped peer shares it) cannot be written: the
/// executor would refuse it, and with it the whole plan. The plan leaves it as a conflict and
/// programs every other peer (DESIGN.md: degraded, not down).
@Suite struct ProtectedDesiredObjectTests {
    /// A record that did not parse but whose PublicIP could be read is peer 3's (same node,
    /// an older lease); `PeerScreening` does not compare rejected records with leases.
    @Test func aDesiredFdbEntryToASkippedPublicIPIsAConflictNotARefusedPlan() {
        var ownership = PF.ownership
        ownership.skipped = SkippedObjects(subnets: [.v4(PF.subnet(9))], publicIPs: [.v4(PF.publicIP(3))])
        let desired = PF.state(vxlan: [2, 3])
        for observed in [PF.state(vxlan: [2]), PF.state(vxlan: [2, 3]).merging(NetworkState(fdb: [PF.fdb(3, dst: PF.publicIP(4))]))] {
            let plan = Planner.plan(desired: desired, observed: observed, ownership: ownership)
            #expect(plan.ownership.firstRefusal(in: plan.changes) == nil, "\(plan.changes)")
            #expect(!plan.changes.contains { if case let .fdb(verb) = $0 { verb.after?.key.mac == PF.mac(3) } else { false } })
            #expect(plan.conflicts.count == 1 && plan.conflicts[0].hasPrefix(PF.fdb(3).description), "\(plan.conflicts)")
            // Peer 3's other objects and peer 2's are programmed; an owned entry on the key stays.
            #expect(!plan.changes.contains { if case .fdb(.delete) = $0 { true } else { false } })
        }
    }

    /// A skipped subnet's neighbour still points at a MAC that a valid peer now has.
    @Test func aDesiredFdbEntryOfASkippedPeersLearntMACIsAConflict() {
        var ownership = PF.ownership
        ownership.skipped = SkippedObjects(subnets: [.v4(PF.subnet(9))])
        var observed = PF.state(vxlan: [2])
        let stale = PF.neighbor(9, mac: PF.mac(3))
        observed.neighbors[stale.key] = stale
        let plan = Planner.plan(desired: PF.state(vxlan: [2, 3]), observed: observed, ownership: ownership)
        #expect(plan.ownership.firstRefusal(in: plan.changes) == nil, "\(plan.changes)")
        #expect(plan.changes.contains(.route(.create(PF.vxlanRoute(3)))))
        #expect(plan.conflicts.count == 1, "\(plan.conflicts)")
    }
}
