import NetState

/// One vxlan node as flannel leaves it (its device with `txqlen 0` and `accept_ra 0`, as
/// measured on flanneld v0.18.1 and v0.20.2), plus the foreign objects a real host has (a default
/// route, a host-gw route, a blackhole, another table, a learnt neighbour). The fixtures were
/// captured from this setup and the kernel tests rebuild it.
public enum FlannelScenario {
    public static let setup = """
        ip link set lo up
        ip link add eth0 type veth peer name eth0p
        ip link set eth0p up
        ip link set eth0 up
        ip addr add 172.22.0.239/20 dev eth0
        ip route add default via 172.22.0.1 dev eth0
        ip link add flannel.1 address 12:c6:65:89:b4:e3 mtu 1450 txqueuelen 0 type vxlan id 1 local 172.22.0.239 dev eth0 dstport 8472 nolearning
        sysctl -qw net.ipv6.conf.flannel/1.accept_ra=0
        ip addr add 10.244.0.0/32 dev flannel.1
        ip link set flannel.1 up
        ip route add 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink
        ip route add 10.244.2.0/24 via 172.22.1.177 dev eth0
        ip route add blackhole 10.244.9.0/24
        ip route add 10.244.5.0/24 dev eth0 table 100
        ip neigh replace 10.244.1.0 lladdr 9e:11:22:33:44:55 dev flannel.1 nud permanent
        ip neigh replace 10.244.3.0 lladdr 9e:11:22:33:44:66 dev flannel.1 nud stale
        bridge fdb append 9e:11:22:33:44:55 dev flannel.1 dst 172.22.1.176 self permanent
        """

    /// Peers asked about with `RTM_GETROUTE`: one on the underlay's /20, one behind the gateway.
    public static let peers = [IPv4Address(172, 22, 1, 176), IPv4Address(192, 168, 5, 5)]

    public static let vxlan = VxlanLink(
        name: "flannel.1", vni: 1, local: .v4(IPv4Address(172, 22, 0, 239)), underlay: "eth0", port: 8472,
        learning: false, gbp: false, mtu: 1450, mac: MACAddress("12:c6:65:89:b4:e3"), up: true,
        addresses: [InterfaceAddress(address: IPv4Address(10, 244, 0, 0), length: 32)],
        txQueueLength: 0, acceptRA: 0
    )

    public static func prefix(_ text: String) -> IPv4Prefix { IPv4Prefix(text) ?? IPv4Prefix(address: IPv4Address(0), length: 0) }

    public static let routes: [Route] = [
        Route(key: .init(destination: prefix("0.0.0.0/0")), gateway: .v4(IPv4Address(172, 22, 0, 1)), device: "eth0"),
        Route(
            key: .init(destination: prefix("10.244.1.0/24")), gateway: .v4(IPv4Address(10, 244, 1, 0)), device: "flannel.1",
            onLink: true
        ),
        Route(key: .init(destination: prefix("10.244.2.0/24")), gateway: .v4(IPv4Address(172, 22, 1, 177)), device: "eth0"),
        Route(key: .init(destination: prefix("10.244.9.0/24")), type: .blackhole),
        Route(
            key: .init(destination: prefix("172.22.0.0/20")), device: "eth0", scope: .link, proto: .kernel,
            preferredSource: .v4(IPv4Address(172, 22, 0, 239))
        ),
    ]

    public static let neighbors = [
        Neighbor(key: .init(device: "flannel.1", ip: IPv4Address(10, 244, 1, 0)), lladdr: MACAddress("9e:11:22:33:44:55"), state: .permanent),
        Neighbor(key: .init(device: "flannel.1", ip: IPv4Address(10, 244, 3, 0)), lladdr: MACAddress("9e:11:22:33:44:66"), state: .stale),
    ]

    public static let fdb = [
        FdbEntry(
            key: .init(device: "flannel.1", mac: MACAddress("9e:11:22:33:44:55") ?? MACAddress(0)),
            destination: .v4(IPv4Address(172, 22, 1, 176)), isSelf: true, state: .permanent
        ),
    ]

    public static let state = NetworkState(vxlan: vxlan, routes: routes, neighbors: neighbors, fdb: fdb)

    public static let facts = LinkFacts(
        underlay: "eth0", mtu: 1500, addresses: [InterfaceAddress(address: IPv4Address(172, 22, 0, 239), length: 20)],
        onLinkNetworks: [.v4(prefix("172.22.0.0/20"))],
        routeLookups: [.v4(IPv4Address(172, 22, 1, 176)): true, .v4(IPv4Address(192, 168, 5, 5)): false]
    )
}
