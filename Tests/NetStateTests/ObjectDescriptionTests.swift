import NetState
import Testing

/// The one-line renderings use iproute2's and nft's own wording, so a plan reads like the
/// commands an operator knows.
@Suite struct ObjectDescriptionTests {
    static let device = "flannel.1"
    static let mac = MACAddress(0x9e11_2233_4455)

    static func prefix(_ text: String) -> IPv4Prefix { IPv4Prefix(text, strict: false) ?? IPv4Prefix(address: IPv4Address(0), length: 0) }

    @Test func vxlanRouteIsPrintedAsFlannelProgramsIt() {
        let route = Route(
            key: Route.Key(destination: Self.prefix("10.244.2.0/24")), gateway: .v4(IPv4Address(10, 244, 2, 0)),
            device: Self.device, onLink: true
        )
        #expect(route.description == "10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink")
    }

    @Test func hostRouteIsPrintedWithoutSlash32() {
        let route = Route(key: Route.Key(destination: Self.prefix("10.244.2.7/32")), device: "cali123", scope: .link)
        #expect(route.description == "10.244.2.7 dev cali123 scope link")
    }

    @Test func connectedRouteCarriesProtoScopeSourceAndMetric() {
        let route = Route(
            key: Route.Key(destination: Self.prefix("192.168.1.0/24"), metric: 100), device: "eth0", scope: .link,
            proto: .kernel, preferredSource: .v4(IPv4Address(192, 168, 1, 11))
        )
        #expect(route.description == "192.168.1.0/24 dev eth0 proto kernel scope link src 192.168.1.11 metric 100")
    }

    @Test func otherTablesAndTosArePrinted() {
        let route = Route(
            key: Route.Key(table: RouteTable(rawValue: 100), destination: Self.prefix("0.0.0.0/0"), tos: 0x10),
            gateway: .v4(IPv4Address(10, 0, 0, 1)), device: "eth1", proto: .static
        )
        #expect(route.description == "0.0.0.0/0 tos 0x10 via 10.0.0.1 dev eth1 table 100 proto static")
        let local = Route(key: Route.Key(table: .local, destination: Self.prefix("10.0.0.5/32")), type: .local, device: "eth0", scope: .host, proto: .kernel)
        #expect(local.description == "local 10.0.0.5 dev eth0 table local proto kernel scope host")
    }

    @Test func blackholeTypeComesFirst() {
        let route = Route(key: Route.Key(destination: Self.prefix("10.244.1.0/24")), type: .blackhole)
        #expect(route.description == "blackhole 10.244.1.0/24")
        let unreachable = Route(key: Route.Key(destination: Self.prefix("10.244.9.0/24"), metric: 5), type: .unreachable, proto: .static)
        #expect(unreachable.description == "unreachable 10.244.9.0/24 proto static metric 5")
    }

    @Test func neighbourReadsAsIpNeighReplace() {
        let neighbor = Neighbor(key: Neighbor.Key(device: Self.device, ip: IPv4Address(10, 244, 2, 0)), lladdr: Self.mac)
        #expect(neighbor.description == "10.244.2.0 lladdr 9e:11:22:33:44:55 dev flannel.1 nud permanent")
        let learnt = Neighbor(key: Neighbor.Key(device: "eth0", ip: IPv4Address(192, 168, 1, 1)), lladdr: nil, state: .incomplete)
        #expect(learnt.description == "192.168.1.1 dev eth0 nud incomplete")
    }

    @Test func fdbReadsAsBridgeFdbShow() {
        let entry = FdbEntry(device: Self.device, mac: Self.mac, destination: .v4(IPv4Address(172, 22, 1, 176)))
        #expect(entry.description == "9e:11:22:33:44:55 dev flannel.1 dst 172.22.1.176 self permanent")
        let bridged = FdbEntry(key: FdbEntry.Key(device: "vxlan0", mac: Self.mac), destination: nil, isSelf: false, state: .reachable)
        #expect(bridged.description == "9e:11:22:33:44:55 dev vxlan0 reachable")
    }

    @Test func vxlanLinkReadsAsIpLinkAdd() {
        let link = VxlanLink(
            name: Self.device, vni: 1, local: .v4(IPv4Address(192, 168, 1, 11)), underlay: "eth0", mtu: 1450,
            mac: MACAddress(0x12c6_6589_b4e3),
            addresses: [InterfaceAddress(address: IPv4Address(10, 244, 1, 0), length: 32)]
        )
        #expect(link.description
            == "flannel.1 address 12:c6:65:89:b4:e3 mtu 1450 type vxlan id 1 local 192.168.1.11 dev eth0 dstport 8472 nolearning up")
        var other = link
        other.mac = nil
        other.port = 4789
        other.learning = true
        other.gbp = true
        other.up = false
        other.local = nil
        #expect(other.description == "flannel.1 mtu 1450 type vxlan id 1 dev eth0 dstport 4789 learning gbp down")
    }

    @Test func vxlanLinkSortsItsAddresses() {
        let b = InterfaceAddress(address: IPv4Address(10, 244, 1, 0), length: 32)
        let a = InterfaceAddress(address: IPv4Address(10, 0, 0, 1), length: 8)
        let link = VxlanLink(name: "v", vni: 1, local: nil, underlay: nil, mtu: 1450, mac: nil, addresses: [b, a])
        #expect(link.addresses == [a, b])
    }

    @Test func canBeModifiedOnlyWhenTheKernelAllowsIt() {
        let base = VxlanLink(name: Self.device, vni: 1, local: .v4(IPv4Address(192, 168, 1, 11)), underlay: "eth0", mtu: 1450, mac: Self.mac)
        var mtu = base
        mtu.mtu = 1400
        mtu.learning = true
        mtu.up = false
        #expect(base.canBeModified(from: mtu))
        var noMAC = base
        noMAC.mac = nil
        #expect(noMAC.canBeModified(from: base), "a desired device without MAC keeps whatever MAC it has")
        for change in [\VxlanLink.vni] as [WritableKeyPath<VxlanLink, UInt32>] {
            var other = base
            other[keyPath: change] += 1
            #expect(!base.canBeModified(from: other))
        }
        var port = base
        port.port = 4789
        var local = base
        local.local = .v4(IPv4Address(192, 168, 1, 12))
        var dev = base
        dev.underlay = "eth1"
        var mac = base
        mac.mac = MACAddress(1)
        var gbp = base
        gbp.gbp = true
        for other in [port, local, dev, mac, gbp] { #expect(!base.canBeModified(from: other), "\(other)") }
    }

    @Test func interfaceAddressKeepsHostBits() throws {
        let address = try #require(InterfaceAddress("10.244.1.1/24"))
        #expect(address.description == "10.244.1.1/24")
        #expect(address.network.description == "10.244.1.0/24")
        #expect(InterfaceAddress("10.244.1.1") == nil)
        #expect(InterfaceAddress("10.244.1.1/33") == nil)
        #expect(InterfaceAddress("10.244.1.1/") == nil)
    }

    @Test func nftTableListsAsNftDoes() {
        let cluster = Self.prefix("10.244.0.0/16")
        let table = NftTable(
            key: NftTable.flannelKey, comment: "rules for flannel-ipv4",
            chains: [
                NftChain(
                    name: "postrtg", comment: "c", hook: .init(type: "nat", hook: "postrouting", priority: 100),
                    rules: [
                        NftRule([.mark(mask: 0x4000, value: 0x4000)], .return),
                        NftRule([.mark(mask: .max, value: 0x10)], .accept),
                        NftRule([.sourceAddress(cluster, negated: false), .destinationAddress(.multicast, negated: true)], .masquerade(fullyRandom: true)),
                        NftRule([.destinationAddress(Self.prefix("10.0.0.1/32"), negated: false)], .masquerade(fullyRandom: false)),
                        NftRule([.outputInterface("eth0", negated: true), .inputInterface("cni0", negated: false)], .continue, comment: "x"),
                        NftRule([.other("ct state established")], .jump("other")),
                        NftRule([], .goto("g")),
                        NftRule([], .drop),
                        NftRule([.counter], .other("log")),
                    ]
                ),
                NftChain(name: "forward", hook: .init(type: "filter", hook: "forward", priority: 0, policyAccept: false), rules: []),
                NftChain(name: "regular", hook: nil, rules: []),
            ]
        )
        #expect(table.description == """
            table ip flannel-ipv4 {
            \tcomment "rules for flannel-ipv4"
            \tchain postrtg {
            \t\tcomment "c"
            \t\ttype nat hook postrouting priority srcnat; policy accept;
            \t\tmeta mark & 0x00004000 == 0x00004000 return
            \t\tmeta mark 0x00000010 accept
            \t\tip saddr 10.244.0.0/16 ip daddr != 224.0.0.0/4 masquerade fully-random
            \t\tip daddr 10.0.0.1 masquerade
            \t\toifname != "eth0" iifname "cni0" comment "x"
            \t\tct state established jump other
            \t\tgoto g
            \t\tdrop
            \t\tcounter log
            \t}

            \tchain forward {
            \t\ttype filter hook forward priority filter; policy drop;
            \t}

            \tchain regular {
            \t}
            }
            """)
    }

    @Test func nftPriorityNames() {
        #expect(NftChain.Hook(type: "nat", hook: "postrouting", priority: 100).priorityName == "srcnat")
        #expect(NftChain.Hook(type: "nat", hook: "prerouting", priority: -100).priorityName == "dstnat")
        #expect(NftChain.Hook(type: "filter", hook: "forward", priority: 5).priorityName == "filter + 5")
        #expect(NftChain.Hook(type: "nat", hook: "postrouting", priority: 95).priorityName == "srcnat - 5")
        #expect(NftChain.Hook(type: "filter", hook: "forward", priority: 1000).priorityName == "1000")
        #expect(NftChain.Hook(type: "filter", hook: "ingress", priority: 0).priorityName == "0")
    }
}
