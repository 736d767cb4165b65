import NetState
import Planner

/// A node `192.168.1.11` with lease `10.244.1.0/24` in cluster `10.244.0.0/16`; peer `n` has
/// lease `10.244.n.0/24`, PublicIP `192.168.1.(10+n)` and VtepMAC `02:00:00:00:00:n`.
/// Objects are built here the way flannel programs them, independently of the Desired target.
enum PF {
    static let device = "flannel.1"
    static let cluster = IPv4Prefix(address: IPv4Address(10, 244, 0, 0), length: 16)
    static let ownSubnet = IPv4Prefix(address: IPv4Address(10, 244, 1, 0), length: 24)
    static let ownership = Ownership(cluster: cluster, ownSubnet: ownSubnet, vxlanDevice: device, underlay: "eth0", subnetLengths: [24])
    static let ownIP = IPv4Address(192, 168, 1, 11)
    static let ownMAC = MACAddress(0x12c6_6589_b4e3)

    static func subnet(_ n: UInt8) -> IPv4Prefix { IPv4Prefix(address: IPv4Address(10, 244, n, 0), length: 24) }
    static func publicIP(_ n: UInt8) -> IPv4Address { IPv4Address(192, 168, 1, 10 &+ n) }
    static func mac(_ n: UInt8) -> MACAddress { MACAddress(0x0200_0000_0000 | UInt64(n)) }
    static func routeKey(_ n: UInt8) -> Route.Key { Route.Key(destination: subnet(n)) }

    static func link(mac: MACAddress? = ownMAC, mtu: UInt32 = 1450, addresses: [InterfaceAddress]? = nil) -> VxlanLink {
        VxlanLink(
            name: device, vni: 1, local: .v4(ownIP), underlay: "eth0", mtu: mtu, mac: mac,
            addresses: addresses ?? [InterfaceAddress(address: ownSubnet.address, length: 32)]
        )
    }

    static func vxlanRoute(_ n: UInt8) -> Route {
        Route(key: routeKey(n), gateway: .v4(subnet(n).address), device: device, onLink: true)
    }

    static func directRoute(_ n: UInt8, via: IPv4Address? = nil) -> Route {
        Route(key: routeKey(n), gateway: .v4(via ?? publicIP(n)), device: "eth0")
    }

    static func neighbor(_ n: UInt8, mac: MACAddress? = nil) -> Neighbor {
        Neighbor(key: Neighbor.Key(device: device, ip: subnet(n).address), lladdr: mac ?? self.mac(n))
    }

    static func fdb(_ n: UInt8, mac: MACAddress? = nil, dst: IPv4Address? = nil) -> FdbEntry {
        FdbEntry(device: device, mac: mac ?? self.mac(n), destination: .v4(dst ?? publicIP(n)))
    }

    static func table(masquerade: Bool = true) -> NftTable {
        var chains = [NftChain(
            name: "forward", hook: .init(type: "filter", hook: "forward", priority: 0),
            rules: [NftRule([.sourceAddress(cluster, negated: false)], .accept),
                    NftRule([.destinationAddress(cluster, negated: false)], .accept)]
        )]
        if masquerade {
            chains.insert(NftChain(
                name: "postrtg", hook: .init(type: "nat", hook: "postrouting", priority: 100),
                rules: [NftRule([.sourceAddress(cluster, negated: false), .destinationAddress(.multicast, negated: true)],
                                .masquerade(fullyRandom: true))]
            ), at: 0)
        }
        return NftTable(key: NftTable.flannelKey, comment: "rules for flannel-ipv4", chains: chains)
    }

    /// A vxlan node's state with vxlan peers `vxlan` and host-gw peers `hostGW`.
    static func state(vxlan: [UInt8] = [], hostGW: [UInt8] = [], link: VxlanLink? = PF.link(), table: NftTable? = PF.table())
        -> NetworkState
    {
        NetworkState(
            vxlan: link,
            routes: vxlan.map(vxlanRoute) + hostGW.map { directRoute($0) },
            neighbors: vxlan.map { neighbor($0) },
            fdb: vxlan.map { fdb($0) },
            tables: table.map { [$0] } ?? []
        )
    }

    static func plan(_ desired: NetworkState, _ observed: NetworkState) -> Plan {
        Planner.plan(desired: desired, observed: observed, ownership: ownership)
    }

    /// Foreign objects a real node holds: default route, underlay and cni0 connected routes,
    /// another table, a blackhole, learnt neighbours, a docker table.
    static var foreign: NetworkState {
        NetworkState(
            routes: [
                Route(key: Route.Key(destination: IPv4Prefix(address: IPv4Address(0), length: 0)), gateway: .v4(IPv4Address(192, 168, 1, 1)), device: "eth0", proto: .static),
                Route(key: Route.Key(destination: IPv4Prefix(address: IPv4Address(192, 168, 1, 0), length: 24)), device: "eth0", scope: .link, proto: .kernel, preferredSource: .v4(ownIP)),
                Route(key: Route.Key(destination: ownSubnet), device: "cni0", scope: .link, proto: .kernel, preferredSource: .v4(IPv4Address(10, 244, 1, 1))),
                Route(key: Route.Key(table: RouteTable(rawValue: 100), destination: subnet(9)), gateway: .v4(IPv4Address(10, 0, 0, 1)), device: "eth1"),
                Route(key: Route.Key(destination: IPv4Prefix(address: IPv4Address(10, 244, 200, 0), length: 24)), type: .blackhole),
            ],
            neighbors: [
                Neighbor(key: Neighbor.Key(device: "eth0", ip: IPv4Address(192, 168, 1, 1)), lladdr: MACAddress(0xaabb_ccdd_eeff), state: .reachable),
                Neighbor(key: Neighbor.Key(device: "eth0", ip: IPv4Address(192, 168, 1, 99)), lladdr: MACAddress(0xaabb_ccdd_ee00)),
            ],
            fdb: [FdbEntry(key: FdbEntry.Key(device: "eth0", mac: MACAddress(0x3333_0000_0001)), destination: nil, isSelf: true)],
            tables: [NftTable(key: NftTable.Key(family: .ip, name: "nat"), chains: []),
                     NftTable(key: NftTable.Key(family: .inet, name: "flannel-ipv4"), chains: [])]
        )
    }
}

extension NetworkState {
    /// Both states' objects; `other` wins on a shared key.
    func merging(_ other: NetworkState) -> NetworkState {
        var state = self
        if let link = other.vxlan { state.vxlan = link }
        state.routes.merge(other.routes) { $1 }
        state.neighbors.merge(other.neighbors) { $1 }
        state.fdb.merge(other.fdb) { $1 }
        state.tables.merge(other.tables) { $1 }
        return state
    }
}
