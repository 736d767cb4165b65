import NetState
import Testing

@testable import Desired

/// A small cluster: this node `a` (192.168.1.11, 10.244.1.0/24), on-link peers `b` and `d`, and
/// `c` behind a router (10.0.5.20). Values are written out here, independently of the code.
enum DesiredFixture {
    static let network = prefix("10.244.0.0/16")
    static let macA = mac("12:c6:65:89:b4:e3")
    static let macB = mac("9e:11:22:33:44:55")
    static let macC = mac("7a:aa:bb:cc:dd:ee")
    static let macD = mac("9e:11:22:33:44:66")
    static let device = "flannel.1"

    static func prefix(_ text: String) -> IPv4Prefix {
        guard let value = IPv4Prefix(text) else { fatalError("fixture prefix \(text)") }
        return value
    }

    static func ip(_ text: String) -> IPv4Address {
        guard let value = IPv4Address(text) else { fatalError("fixture address \(text)") }
        return value
    }

    static func mac(_ text: String) -> MACAddress {
        guard let value = MACAddress(text) else { fatalError("fixture MAC \(text)") }
        return value
    }

    static func key(_ subnet: String) -> String {
        "/coreos.com/network/subnets/" + subnet.replacingOccurrences(of: "/", with: "-")
    }

    static func lease(
        _ subnet: String, _ publicIP: String, _ type: BackendType? = .vxlan, mac: MACAddress? = nil, name: String? = nil
    ) -> Lease {
        Lease(key: key(subnet), nodeName: name, subnet: prefix(subnet), publicIP: ip(publicIP), backendType: type,
              vtepMAC: mac, vni: type == .vxlan ? 1 : nil)
    }

    static let a = lease("10.244.1.0/24", "192.168.1.11", mac: macA, name: "a")
    static let b = lease("10.244.2.0/24", "192.168.1.12", mac: macB, name: "b")
    static let c = lease("10.244.3.0/24", "10.0.5.20", mac: macC, name: "c")
    static let d = lease("10.244.4.0/24", "192.168.1.13", mac: macD, name: "d")

    static func hostGW(_ lease: Lease) -> Lease {
        var copy = lease
        copy.backendType = .hostGW
        copy.vtepMAC = nil
        copy.vni = nil
        return copy
    }

    static let facts = LinkFacts(
        underlay: "eth0", mtu: 1500, addresses: [InterfaceAddress(address: ip("192.168.1.11"), length: 24)],
        onLinkNetworks: [.v4(prefix("192.168.1.0/24"))]
    )

    static func netConf(_ type: BackendType = .vxlan, directRouting: Bool = false, vni: UInt32 = 1, port: UInt16 = 0,
                        mtu: UInt32? = nil) -> NetConf {
        NetConf(network: network, backend: .init(type: type, vni: vni, port: port, directRouting: directRouting, mtu: mtu))
    }

    static func compute(
        _ netConf: NetConf = netConf(), leases: [Lease], node: NodeSelector = .publicIP(ip("192.168.1.11")),
        facts: LinkFacts = facts, options: DesiredOptions = DesiredOptions()
    ) throws(InputError) -> DesiredNode {
        try DesiredState.compute(netConf: netConf, leases: leases, node: node, facts: facts, options: options, source: "leases.json")
    }

    static func vxlanRoute(_ lease: Lease, device: String = device) -> Route {
        Route(key: Route.Key(destination: lease.subnet!), gateway: .v4(lease.subnet!.address), device: device, onLink: true)
    }

    static func directRoute(_ lease: Lease, underlay: String = "eth0") -> Route {
        Route(key: Route.Key(destination: lease.subnet!), gateway: .v4(lease.publicIP!), device: underlay)
    }

    static func neighbor(_ lease: Lease, device: String = device) -> Neighbor {
        Neighbor(key: Neighbor.Key(device: device, ip: lease.subnet!.address), lladdr: lease.vtepMAC)
    }

    static func fdb(_ lease: Lease, device: String = device) -> FdbEntry {
        FdbEntry(device: device, mac: lease.vtepMAC ?? MACAddress(0), destination: .v4(lease.publicIP!))
    }
}

@Suite struct DesiredStateTests {
    typealias F = DesiredFixture

    @Test func vxlanPeersGoThroughTheDevice() throws {
        let node = try F.compute(leases: [F.a, F.b, F.c])
        #expect(node.ownLease == F.a)
        #expect(node.backend == .vxlan)
        #expect(node.state.sortedRoutes == [F.vxlanRoute(F.b), F.vxlanRoute(F.c)])
        #expect(node.state.sortedNeighbors == [F.neighbor(F.b), F.neighbor(F.c)])
        #expect(node.state.sortedFdb == [F.fdb(F.c), F.fdb(F.b)], "sorted by MAC: 7a… before 9e…")
        #expect(node.state.sortedRoutes.map(\.description) == [
            "10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink",
            "10.244.3.0/24 via 10.244.3.0 dev flannel.1 onlink",
        ])
        #expect(node.state.sortedFdb.map(\.description).last == "9e:11:22:33:44:55 dev flannel.1 dst 192.168.1.12 self permanent")
        // iptables mode, flannel's default: flannel's rules in ip filter and ip nat, no nft table.
        #expect(node.state.tables.isEmpty)
        #expect(node.state.sortedIptables.map(\.table) == [IptablesNames.filter, IptablesNames.nat])
    }

    @Test func noRouteForTheOwnSubnet() throws {
        let node = try F.compute(leases: [F.a, F.b])
        #expect(node.state.routes[Route.Key(destination: F.a.subnet!)] == nil)
        #expect(node.state.neighbors.keys.allSatisfy { $0.ip != .v4(F.a.subnet!.address) })
        #expect(node.state.fdb.keys.allSatisfy { $0.mac != F.macA })
    }

    @Test func singleNodeVxlanClusterStillHasItsDevice() throws {
        let node = try F.compute(leases: [F.a])
        #expect(node.state.routes.isEmpty)
        #expect(node.state.vxlan?.name == F.device)
    }

    @Test func vxlanDeviceAttributes() throws {
        let node = try F.compute(leases: [F.a, F.b])
        let link = try #require(node.state.vxlan)
        #expect(link == VxlanLink(
            name: "flannel.1", vni: 1, local: .v4(F.ip("192.168.1.11")), underlay: "eth0", port: 8472, learning: false,
            gbp: false, mtu: 1450, mac: F.macA, up: true,
            addresses: [InterfaceAddress(address: F.ip("10.244.1.0"), length: 32)],
            txQueueLength: 0, acceptRA: 0  // as flanneld's device (issue 12)
        ))
        #expect(link.description
            == "flannel.1 address 12:c6:65:89:b4:e3 mtu 1450 qlen 0 type vxlan id 1 local 192.168.1.11 dev eth0 dstport 8472 nolearning up accept_ra 0")
    }

    @Test func vniPortAndMTUComeFromNetConf() throws {
        // Every node runs the same net-conf, so the leases advertise its VNI too.
        let leases = [F.a, F.b].map { lease in
            var copy = lease
            copy.vni = 4096
            return copy
        }
        let node = try F.compute(F.netConf(vni: 4096, port: 4789, mtu: 9000), leases: leases)
        let link = try #require(node.state.vxlan)
        #expect(link.name == "flannel.4096")
        #expect(link.vni == 4096)
        #expect(link.port == 4789)
        #expect(link.mtu == 8950, "Backend.MTU wins over the interface's MTU, minus 50")
        #expect(node.state.sortedRoutes == [F.vxlanRoute(F.b, device: "flannel.4096")])
        #expect(node.state.sortedNeighbors == [F.neighbor(F.b, device: "flannel.4096")])
        #expect(node.state.sortedFdb == [F.fdb(F.b, device: "flannel.4096")])
        #expect(node.subnetEnv.mtu == 8950)
    }

    @Test func deviceMTUFollowsTheUnderlayWithoutBackendMTU() throws {
        var facts = F.facts
        facts.mtu = 1400
        let node = try F.compute(leases: [F.a, F.b], facts: facts)
        #expect(node.state.vxlan?.mtu == 1350)
        #expect(node.subnetEnv.mtu == 1350)
    }

    @Test func hostGWPeersAreReachedViaTheirPublicIP() throws {
        let leases = [F.a, F.b, F.d].map(F.hostGW)
        let node = try F.compute(F.netConf(.hostGW), leases: leases)
        #expect(node.backend == .hostGW)
        #expect(node.state.sortedRoutes == [F.directRoute(leases[1]), F.directRoute(leases[2])])
        #expect(node.state.sortedRoutes.map(\.description) == [
            "10.244.2.0/24 via 192.168.1.12 dev eth0", "10.244.4.0/24 via 192.168.1.13 dev eth0",
        ])
        #expect(node.state.neighbors.isEmpty)
        #expect(node.state.fdb.isEmpty)
        #expect(node.state.vxlan == nil, "no lease is vxlan: no device")
    }

    @Test func leasesWithoutBackendTypeFollowTheNetwork() throws {
        var a = F.hostGW(F.a)
        a.backendType = nil
        var b = F.hostGW(F.b)
        b.backendType = nil
        let node = try F.compute(F.netConf(.hostGW), leases: [a, b])
        #expect(node.state.sortedRoutes == [F.directRoute(b)])
        var va = F.a
        va.backendType = nil
        var vb = F.b
        vb.backendType = nil
        let vxlan = try F.compute(F.netConf(.vxlan), leases: [va, vb])
        #expect(vxlan.state.sortedRoutes == [F.vxlanRoute(vb)])
    }

    @Test func directRoutingReachesOnLinkPeersDirectly() throws {
        let node = try F.compute(F.netConf(directRouting: true), leases: [F.a, F.b, F.c, F.d])
        #expect(node.state.sortedRoutes == [F.directRoute(F.b), F.vxlanRoute(F.c), F.directRoute(F.d)])
        #expect(node.state.sortedNeighbors == [F.neighbor(F.c)], "only the off-link peer needs a neighbour")
        #expect(node.state.sortedFdb == [F.fdb(F.c)])
        #expect(node.state.vxlan?.mac == F.macA)
    }

    @Test func directRoutingAsksTheKernelsLookupFirst() throws {
        var facts = F.facts
        facts.routeLookups = [.v4(F.b.publicIP!): false, .v4(F.c.publicIP!): true]
        let node = try F.compute(F.netConf(directRouting: true), leases: [F.a, F.b, F.c], facts: facts)
        #expect(node.state.sortedRoutes == [F.vxlanRoute(F.b), F.directRoute(F.c)])
    }

    @Test func rollingSwitchSeenFromAVxlanNode() throws {
        // b already switched to host-gw; c still vxlan.
        let b = F.hostGW(F.b)
        let node = try F.compute(leases: [F.a, b, F.c])
        #expect(node.backend == .vxlan)
        #expect(node.state.sortedRoutes == [F.directRoute(b), F.vxlanRoute(F.c)])
        #expect(node.state.sortedNeighbors == [F.neighbor(F.c)])
        #expect(node.state.sortedFdb == [F.fdb(F.c)])
        #expect(node.state.vxlan?.mac == F.macA)
    }

    @Test func rollingSwitchSeenFromAHostGWNode() throws {
        // This node switched already; b is still vxlan and still encapsulates to us.
        let a = F.hostGW(F.a)
        let d = F.hostGW(F.d)
        let node = try F.compute(F.netConf(.hostGW), leases: [a, F.b, d])
        #expect(node.backend == .hostGW)
        #expect(node.state.sortedRoutes == [F.vxlanRoute(F.b), F.directRoute(d)])
        #expect(node.state.sortedNeighbors == [F.neighbor(F.b)])
        #expect(node.state.sortedFdb == [F.fdb(F.b)])
        let link = try #require(node.state.vxlan, "a vxlan peer remains: keep decapsulating")
        #expect(link.mac == nil, "own lease has no VtepMAC: keep whatever the device has")
        #expect(link.mtu == 1450)
        #expect(link.addresses == [InterfaceAddress(address: F.ip("10.244.1.0"), length: 32)])
        #expect(node.subnetEnv.mtu == 1500, "host-gw pods use the full underlay MTU")
    }

    @Test func rollingSwitchFinishedRemovesTheDevice() throws {
        let leases = [F.a, F.b, F.d].map(F.hostGW)
        // net-conf still says vxlan, but every lease says host-gw.
        let node = try F.compute(F.netConf(.vxlan), leases: leases)
        #expect(node.state.vxlan == nil)
        #expect(node.state.sortedRoutes == [F.directRoute(leases[1]), F.directRoute(leases[2])])
    }

    @Test func backendOverrideAppliesToEveryLease() throws {
        let hostGW = try F.compute(leases: [F.a, F.b, F.d], options: DesiredOptions(backendOverride: .hostGW))
        #expect(hostGW.backend == .hostGW)
        #expect(hostGW.state.sortedRoutes == [F.directRoute(F.b), F.directRoute(F.d)])
        #expect(hostGW.state.neighbors.isEmpty && hostGW.state.fdb.isEmpty)
        // The leases themselves still say vxlan: the peers still encapsulate to this node, so
        // its device (with the MAC they know) stays until the last lease switches.
        #expect(hostGW.state.vxlan?.mac == F.macA)
        let switched = try F.compute(leases: [F.a, F.b, F.d].map(F.hostGW), options: DesiredOptions(backendOverride: .hostGW))
        #expect(switched.state.vxlan == nil)

        // Leases that say host-gw but still carry a VtepMAC are reached over vxlan under --backend vxlan.
        var b = F.b
        b.backendType = .hostGW
        let vxlan = try F.compute(F.netConf(.hostGW), leases: [F.a, b], options: DesiredOptions(backendOverride: .vxlan))
        #expect(vxlan.backend == .vxlan)
        #expect(vxlan.state.sortedRoutes == [F.vxlanRoute(b)])
        #expect(vxlan.state.vxlan?.mac == F.macA)
    }

    @Test func backendOverrideToHostGWSkipsOffLinkPeers() throws {
        let node = try F.compute(leases: [F.a, F.b, F.c], options: DesiredOptions(backendOverride: .hostGW))
        #expect(node.skipped.map(\.key) == ["node/c"])
        #expect(node.skipped.map(\.reason) == [.notOnLink])
        #expect(node.state.sortedRoutes == [F.directRoute(F.b)])
    }

    @Test func subnetEnvAsFlannelWritesIt() throws {
        let vxlan = try F.compute(leases: [F.a, F.b])
        #expect(vxlan.subnetEnv.description == """
            FLANNEL_NETWORK=10.244.0.0/16
            FLANNEL_SUBNET=10.244.1.1/24
            FLANNEL_MTU=1450
            FLANNEL_IPMASQ=true

            """)
        let hostGW = try F.compute(F.netConf(.hostGW), leases: [F.a, F.b].map(F.hostGW), options: DesiredOptions(ipMasq: false))
        #expect(hostGW.subnetEnv.description == """
            FLANNEL_NETWORK=10.244.0.0/16
            FLANNEL_SUBNET=10.244.1.1/24
            FLANNEL_MTU=1500
            FLANNEL_IPMASQ=false

            """)
        let small = SubnetEnv(network: F.network, lease: F.prefix("10.244.7.128/26"), mtu: 1400, ipMasq: true)
        #expect(small.subnet!.description == "10.244.7.129/26")
    }

    @Test func ipMasqOffKeepsOnlyTheForwardChain() throws {
        var netConf = F.netConf()
        netConf.enableNFTables = true
        let on = try F.compute(netConf, leases: [F.a, F.b])
        let off = try F.compute(netConf, leases: [F.a, F.b], options: DesiredOptions(ipMasq: false))
        #expect(on.state.tables[NftTable.flannelKey]?.chains.map(\.name) == ["postrtg", "forward"])
        #expect(off.state.tables[NftTable.flannelKey]?.chains.map(\.name) == ["forward"])
        #expect(off.state.routes == on.state.routes)
        let neither = try F.compute(netConf, leases: [F.a, F.b], options: DesiredOptions(ipMasq: false, forwardRules: false))
        #expect(neither.state.tables.isEmpty)
    }

    /// iptables mode: `--ip-masq` decides the nat rules, `--iptables-forward-rules` the filter
    /// rules, as flanneld's flags do (`main.go`: masq rules only with ip-masq, forward rules on
    /// their own flag).
    @Test func iptablesModeFollowsFlanneldsFlags() throws {
        let all = try F.compute(leases: [F.a, F.b])
        #expect(all.state.sortedIptables.map(\.table) == [IptablesNames.filter, IptablesNames.nat])
        let noMasq = try F.compute(leases: [F.a, F.b], options: DesiredOptions(ipMasq: false))
        #expect(noMasq.state.sortedIptables.map(\.table) == [IptablesNames.filter])
        let noForward = try F.compute(leases: [F.a, F.b], options: DesiredOptions(forwardRules: false))
        #expect(noForward.state.sortedIptables.map(\.table) == [IptablesNames.nat])
        #expect(noForward.state.tables.isEmpty)
    }

    @Test func ownLeaseByNameAndAutomatically() throws {
        let byName = try F.compute(leases: [F.b, F.a, F.c], node: .name("a"))
        #expect(byName.ownLease == F.a)
        let automatic = try F.compute(leases: [F.b, F.c, F.a], node: .automatic)
        #expect(automatic.ownLease == F.a, "found through facts.addresses")
        var facts = F.facts
        facts.addresses = [InterfaceAddress(address: F.ip("192.168.1.12"), length: 24)]
        let asB = try F.compute(leases: [F.b, F.c, F.a], node: .automatic, facts: facts)
        #expect(asB.ownLease == F.b)
        #expect(asB.state.routes[Route.Key(destination: F.b.subnet!)] == nil)
        #expect(asB.state.routes[Route.Key(destination: F.a.subnet!)] == F.vxlanRoute(F.a))
    }

    @Test func everyDesiredObjectIsFlannelShaped() throws {
        // Whatever the mix, routes are main-table unicast proto boot, neighbours/fdb permanent.
        let node = try F.compute(F.netConf(directRouting: true), leases: [F.a, F.hostGW(F.b), F.c, F.d])
        for route in node.state.routes.values {
            #expect(route.key.table == .main && route.type == .unicast && route.proto == .boot && route.key.metric == 0)
            #expect(IPPrefix.v4(F.network).contains(route.key.destination))
        }
        #expect(node.state.neighbors.values.allSatisfy { $0.state == .permanent && $0.key.device == F.device })
        #expect(node.state.fdb.values.allSatisfy { $0.isSelf && $0.state == .permanent })
    }
}

extension DesiredFixture {
    /// The error a throwing body raised, or nil.
    static func error(_ body: () throws(InputError) -> Void) -> InputError? {
        do {
            try body()
            return nil
        } catch {
            return error
        }
    }
}
