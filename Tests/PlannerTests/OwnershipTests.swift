import NetState
import Planner
import Testing

@Suite struct OwnershipTests {
    static let ownership = PF.ownership

    @Test func flannelsRoutesAreOwned() {
        #expect(Self.ownership.owns(PF.vxlanRoute(2)))
        #expect(Self.ownership.owns(PF.directRoute(3)))
        // Stale leftovers of other shapes inside the cluster: proto static, a metric, a /25.
        #expect(Self.ownership.owns(Route(key: Route.Key(destination: PF.subnet(4), metric: 100), gateway: PF.publicIP(4), device: "eth0", proto: .static)))
        #expect(Self.ownership.owns(Route(key: Route.Key(destination: IPv4Prefix(address: IPv4Address(10, 244, 5, 128), length: 25)), gateway: PF.publicIP(5), device: "eth0")))
    }

    @Test func foreignRoutes() {
        let foreign: [Route] = [
            // Another table, even with a cluster destination.
            Route(key: Route.Key(table: RouteTable(rawValue: 100), destination: PF.subnet(2)), gateway: PF.publicIP(2), device: "eth0"),
            Route(key: Route.Key(table: .local, destination: PF.subnet(2)), gateway: PF.publicIP(2), device: "eth0"),
            // Outside the cluster: default and underlay routes.
            Route(key: Route.Key(destination: IPv4Prefix(address: IPv4Address(0), length: 0)), gateway: IPv4Address(192, 168, 1, 1), device: "eth0"),
            Route(key: Route.Key(destination: IPv4Prefix(address: IPv4Address(192, 168, 1, 0), length: 24)), device: "eth0", scope: .link, proto: .kernel),
            Route(key: Route.Key(destination: IPv4Prefix(address: IPv4Address(10, 0, 0, 0), length: 8)), gateway: IPv4Address(192, 168, 1, 1), device: "eth0"),
            // Our own subnet, whoever made it.
            Route(key: Route.Key(destination: PF.ownSubnet), device: "cni0", scope: .link, proto: .kernel),
            Route(key: Route.Key(destination: PF.ownSubnet), device: "cni0", scope: .link),
            Route(key: Route.Key(destination: PF.ownSubnet, metric: 50), gateway: PF.publicIP(2), device: "eth0"),
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

    @Test func theClusterRouteItselfIsInsideTheCluster() {
        // `10.244.0.0/16 dev flannel.1` (old flannel) lies inside Network and is owned: it goes.
        let route = Route(key: Route.Key(destination: PF.cluster), device: PF.device, scope: .link)
        #expect(Self.ownership.owns(route))
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
        #expect(!Self.ownership.owns(FdbEntry(key: FdbEntry.Key(device: PF.device, mac: PF.mac(2)), destination: PF.publicIP(2), isSelf: false)))
        #expect(!Self.ownership.owns(FdbEntry(key: FdbEntry.Key(device: PF.device, mac: MACAddress(0)), destination: nil)))
        #expect(!Self.ownership.owns(FdbEntry(device: "vxlan0", mac: PF.mac(2), destination: PF.publicIP(2))))
        #expect(!Self.ownership.owns(FdbEntry(device: "eth0", mac: PF.mac(2), destination: PF.publicIP(2))))
    }

    @Test func tables() {
        #expect(Self.ownership.owns(NftTable.flannelKey))
        #expect(!Self.ownership.owns(NftTable.Key(family: .inet, name: "flannel-ipv4")))
        #expect(!Self.ownership.owns(NftTable.Key(family: .ip6, name: "flannel-ipv6")))
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
