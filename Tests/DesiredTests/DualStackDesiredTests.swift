import NetState
import Testing

@testable import Desired

/// A dual-stack cluster: this node `a` (192.168.1.11 and fd00:1::11, 10.244.1.0/24 and
/// fd00:10:244:1::/64), on-link peers `b` and `d`, and `c` behind a router in both families.
/// Values are written out here, independently of the code; what flannel programs per family is
/// v0.20.2 `backend/vxlan/vxlan_network.go:91–250` (the IPv6 half beside the IPv4 one),
/// `backend/vxlan/vxlan.go:155–200` (the `flannel-v6.<VNI>` device, `S6::/128`),
/// `main.go` `WriteSubnetFile` (subnet.env).
enum DualStackFixture {
    typealias F = DesiredFixture
    static let device6 = "flannel-v6.1"
    static let network6 = prefix6("fd00:10:244::/56")

    static func prefix6(_ text: String) -> IPv6Prefix {
        guard let value = IPv6Prefix(text) else { fatalError("fixture prefix \(text)") }
        return value
    }

    static func ip6(_ text: String) -> IPv6Address {
        guard let value = IPv6Address(text) else { fatalError("fixture address \(text)") }
        return value
    }

    static func dual(_ lease: Lease, _ subnet6: String, _ publicIPv6: String?, mac6: MACAddress?) -> Lease {
        var copy = lease
        copy.subnet6 = prefix6(subnet6)
        copy.publicIPv6 = publicIPv6.map(ip6)
        copy.vtepMAC6 = mac6
        copy.vni6 = mac6 == nil ? nil : 1
        return copy
    }

    static let a = dual(F.a, "fd00:10:244:1::/64", "fd00:1::11", mac6: F.mac("12:c6:65:89:b4:e4"))
    static let b = dual(F.b, "fd00:10:244:2::/64", "fd00:1::12", mac6: F.mac("9e:11:22:33:44:56"))
    static let c = dual(F.c, "fd00:10:244:3::/64", "fd00:5::20", mac6: F.mac("7a:aa:bb:cc:dd:ef"))
    static let d = dual(F.d, "fd00:10:244:4::/64", "fd00:1::13", mac6: F.mac("9e:11:22:33:44:67"))

    static let facts = LinkFacts(
        underlay: "eth0", mtu: 1500,
        addresses: [
            InterfaceAddress(address: F.ip("192.168.1.11"), length: 24), InterfaceAddress(address: .v6(ip6("fd00:1::11")), length: 64),
        ],
        onLinkNetworks: [.v4(F.prefix("192.168.1.0/24")), .v6(prefix6("fd00:1::/64"))]
    )

    static func netConf(_ type: BackendType = .vxlan, directRouting: Bool = false, ipv4: Bool = true) -> NetConf {
        NetConf(
            network: ipv4 ? F.network : nil, enableIPv4: ipv4, enableIPv6: true, ipv6Network: network6,
            backend: .init(type: type, directRouting: directRouting)
        )
    }

    static func compute(
        _ leases: [Lease], netConf: NetConf = netConf(), node: NodeSelector = .name("a"), facts: LinkFacts = facts
    ) throws -> DesiredNode {
        try DesiredState.compute(netConf: netConf, leases: leases, node: node, facts: facts, source: "leases.json")
    }

    /// The IPv6 objects flannel installs for a vxlan peer: `route S6 via S6:: dev flannel-v6.1
    /// onlink` (metric 1024, the kernel's for IPv6), `neigh S6:: lladdr M6 nud permanent`,
    /// `fdb M6 dst P6 self permanent`.
    static func vxlanRoute6(_ lease: Lease) -> Route {
        Route(
            key: Route.Key(destination: lease.subnet6!, metric: 1024), gateway: .v6(lease.subnet6!.address), device: device6,
            onLink: true
        )
    }

    static func directRoute6(_ lease: Lease) -> Route {
        Route(key: Route.Key(destination: lease.subnet6!, metric: 1024), gateway: .v6(lease.publicIPv6!), device: "eth0")
    }
}

@Suite struct DualStackDesiredTests {
    typealias F = DesiredFixture
    typealias D = DualStackFixture

    @Test func vxlanProgramsBothFamiliesOnTheirOwnDevices() throws {
        let node = try D.compute([D.a, D.b, D.c, D.d])
        #expect(node.families == [.inet, .inet6])
        #expect(node.skipped.isEmpty)
        let v6 = try #require(node.state.vxlan6)
        #expect(v6.name == "flannel-v6.1")
        #expect(v6.local == .v6(D.ip6("fd00:1::11")))
        #expect(v6.mac == D.a.vtepMAC6)
        #expect(v6.underlay == "eth0")
        #expect(v6.addresses == [InterfaceAddress(address: .v6(D.ip6("fd00:10:244:1::")), length: 128)])
        // The kernel caps a vxlan device over IPv6 at the underlay's MTU minus 70.
        #expect(v6.mtu == 1430)
        #expect(v6.acceptRA == 0 && v6.txQueueLength == 0)
        #expect(node.state.vxlan?.mtu == 1450)
        #expect(node.state.vxlan?.addresses == [InterfaceAddress(address: F.ip("10.244.1.0"), length: 32)])
        for peer in [D.b, D.c, D.d] {
            #expect(node.state.routes[D.vxlanRoute6(peer).key] == D.vxlanRoute6(peer))
            let neighbor = Neighbor(key: Neighbor.Key(device: D.device6, ip: .v6(peer.subnet6!.address)), lladdr: peer.vtepMAC6)
            #expect(node.state.neighbors[neighbor.key] == neighbor)
            let entry = FdbEntry(device: D.device6, mac: peer.vtepMAC6!, destination: .v6(peer.publicIPv6!))
            #expect(node.state.fdb[entry.key] == entry)
        }
        // Three peers, two families, three objects each.
        #expect(node.state.routes.count == 6 && node.state.neighbors.count == 6 && node.state.fdb.count == 6)
        #expect(node.subnetLengths == [24] && node.subnetLengths6 == [64])
        #expect(node.subnetEnv.description == """
            FLANNEL_NETWORK=10.244.0.0/16
            FLANNEL_SUBNET=10.244.1.1/24
            FLANNEL_IPV6_NETWORK=fd00:10:244::/56
            FLANNEL_IPV6_SUBNET=fd00:10:244:1::1/64
            FLANNEL_MTU=1450
            FLANNEL_IPMASQ=true

            """)
    }

    @Test func hostGWAndDirectRoutingRouteIPv6ViaThePeersPublicIPv6() throws {
        func hostGW(_ lease: Lease) -> Lease {
            var copy = F.hostGW(lease)
            (copy.vtepMAC6, copy.vni6) = (nil, nil)
            return copy
        }
        let hostGW = try D.compute([hostGW(D.a), hostGW(D.b), hostGW(D.d)], netConf: D.netConf(.hostGW))
        #expect(hostGW.state.vxlan6 == nil && hostGW.state.vxlan == nil, "no lease advertises vxlan")
        #expect(hostGW.state.routes[D.directRoute6(D.b).key] == D.directRoute6(D.b))
        #expect(hostGW.state.routes.count == 4 && hostGW.state.neighbors.isEmpty && hostGW.state.fdb.isEmpty)

        let direct = try D.compute([D.a, D.b, D.c], netConf: D.netConf(directRouting: true))
        #expect(direct.state.routes[D.directRoute6(D.b).key] == D.directRoute6(D.b), "b is on-link: via fd00:1::12")
        #expect(direct.state.routes[D.vxlanRoute6(D.c).key] == D.vxlanRoute6(D.c), "c is behind a router: vxlan")
    }

    @Test func aProblemInOneFamilySkipsThePeerInThatFamilyOnly() throws {
        var b = D.b
        b.publicIPv6 = D.ip6("ff02::1")
        var c = D.c
        c.subnet6 = nil
        let node = try D.compute([D.a, b, c, D.d])
        #expect(node.skipped.map(\.key) == ["node/b", "node/c"])
        #expect(node.skipped.map(\.family) == [.inet6, .inet6])
        #expect(node.skipped.map(\.reason) == [.invalidPublicIP, .missingSubnet])
        #expect(node.skipped.first?.message == "PublicIPv6: ff02::1 is in ff00::/8 (multicast); expected the node's unicast address")
        #expect(node.skipped.first?.subnet == .v6(D.b.subnet6!))
        // Their IPv4 halves are programmed as ever.
        #expect(node.state.routes[Route.Key(destination: F.b.subnet!)] != nil)
        #expect(node.state.routes[Route.Key(destination: F.c.subnet!)] != nil)
        #expect(node.state.routes[D.vxlanRoute6(D.d).key] != nil)
        #expect(node.state.routes.keys.filter { $0.family == .inet6 }.count == 1)
    }

    @Test func ipv6ClashesAreJudgedAmongIPv6Halves() throws {
        var d = D.d
        d.publicIPv6 = D.b.publicIPv6
        let node = try D.compute([D.a, D.b, d])
        #expect(node.skipped.map(\.reason) == [.duplicatePublicIP, .duplicatePublicIP])
        #expect(node.skipped.allSatisfy { $0.family == .inet6 })
        #expect(node.state.routes.keys.filter { $0.family == .inet }.count == 2, "IPv4 unaffected")
    }

    @Test func ipv6OnlyClusterHasNoIPv4Device() throws {
        func ipv6Only(_ lease: Lease) -> Lease {
            var copy = lease
            (copy.subnet, copy.publicIP, copy.vtepMAC, copy.vni) = (nil, nil, nil, nil)
            return copy
        }
        let facts = LinkFacts(
            underlay: "eth0", mtu: 9000, addresses: [InterfaceAddress(address: .v6(D.ip6("fd00:1::11")), length: 64)],
            onLinkNetworks: [.v6(D.prefix6("fd00:1::/64"))]
        )
        let node = try D.compute(
            [ipv6Only(D.a), ipv6Only(D.b)], netConf: D.netConf(ipv4: false), node: .publicIP(.v6(D.ip6("fd00:1::11"))),
            facts: facts
        )
        #expect(node.families == [.inet6])
        #expect(node.state.vxlan == nil)
        #expect(node.state.vxlan6?.mtu == 8930)
        #expect(node.state.routes.keys.map(\.family) == [.inet6])
        // flannel's IPv6 MASQUERADE only, in ip6tables-nft's tables (iptables mode, the default).
        #expect(Set(node.state.iptables.keys) == [IptablesNames.nat6, IptablesNames.filter6], "no IPv4 MASQUERADE")
        #expect(node.state.tables.isEmpty)
        #expect(node.subnetEnv.description == """
            FLANNEL_IPV6_NETWORK=fd00:10:244::/56
            FLANNEL_IPV6_SUBNET=fd00:10:244:1::1/64
            FLANNEL_MTU=8950
            FLANNEL_IPMASQ=true

            """)
    }

    @Test func theOwnLeaseMustHaveEveryEnabledFamily() throws {
        var a = D.a
        a.subnet6 = nil
        #expect(throws: InputError.self) { try D.compute([a, D.b]) }
        a = D.a
        a.publicIPv6 = nil
        let error = try #require(caughtError { try D.compute([a, D.b]) })
        #expect(error.description.contains("PublicIPv6"), "\(error)")
        a = D.a
        a.subnet6 = D.prefix6("fd00:99::/64")
        let outside = try #require(caughtError { try D.compute([a, D.b]) })
        #expect(outside.description.contains("outside IPv6Network fd00:10:244::/56"), "\(outside)")
    }

    @Test func anIPv6NetworkOverlappingTheUnderlayIsRefused() throws {
        var facts = D.facts
        facts.addresses.append(InterfaceAddress(address: .v6(D.ip6("fd00:10:244:ff::1")), length: 64))
        let error = try #require(caughtError { try D.compute([D.a, D.b], facts: facts) })
        #expect(error.description.contains("IPv6Network"), "\(error)")
    }

    @Test func findsItsLeaseByPublicIPv6() throws {
        let node = try D.compute([D.a, D.b], node: .publicIP(.v6(D.ip6("fd00:1::11"))))
        #expect(node.ownLease == D.a)
        let automatic = try D.compute([D.a, D.b], node: .automatic)
        #expect(automatic.ownLease == D.a)
    }

    func caughtError(_ body: () throws -> DesiredNode) -> InputError? {
        do {
            _ = try body()
            return nil
        } catch let error as InputError {
            return error
        } catch {
            return nil
        }
    }
}
