import NetState
import Testing

@Suite struct NetworkStateTests {
    /// A state with one of everything, including values without iproute2 names.
    static var sample: NetworkState {
        let device = "flannel.1"
        func prefix(_ text: String) -> IPv4Prefix { IPv4Prefix(text, strict: false) ?? IPv4Prefix.multicast }
        let mac = MACAddress(0x9e11_2233_4455)
        return NetworkState(
            vxlan: VxlanLink(
                name: device, vni: 7, local: .v4(IPv4Address(192, 168, 1, 11)), underlay: "eth0", port: 4789,
                learning: true, gbp: true, mtu: 1400, mac: MACAddress(0x12c6_6589_b4e3), up: false,
                addresses: [InterfaceAddress(address: IPv4Address(10, 244, 1, 0), length: 32),
                            InterfaceAddress(address: IPv4Address(10, 9, 0, 1), length: 16)]
            ),
            routes: [
                Route(key: Route.Key(destination: prefix("10.244.2.0/24")), gateway: .v4(IPv4Address(10, 244, 2, 0)), device: device, onLink: true),
                Route(key: Route.Key(table: RouteTable(rawValue: 100), destination: prefix("0.0.0.0/0"), tos: 4, metric: 600),
                      type: RouteType(rawValue: 42), gateway: .v4(IPv4Address(10, 0, 0, 1)), device: "eth1",
                      scope: RouteScope(rawValue: 17), proto: RouteProtocol(rawValue: 201), preferredSource: .v4(IPv4Address(10, 0, 0, 5))),
                Route(key: Route.Key(destination: prefix("10.244.1.0/24")), type: .blackhole),
            ],
            neighbors: [
                Neighbor(key: Neighbor.Key(device: device, ip: IPv4Address(10, 244, 2, 0)), lladdr: mac),
                Neighbor(key: Neighbor.Key(device: "eth0", ip: IPv4Address(192, 168, 1, 1)), lladdr: nil, state: NeighborState(rawValue: 0x82)),
            ],
            fdb: [
                FdbEntry(device: device, mac: mac, destination: .v4(IPv4Address(192, 168, 1, 12))),
                FdbEntry(key: FdbEntry.Key(device: device, mac: MACAddress(0)), destination: nil, isSelf: false, state: .noarp),
            ],
            tables: [
                NftTable(key: NftTable.flannelKey, comment: "t", chains: [
                    NftChain(name: "postrtg", comment: "c", hook: .init(type: "nat", hook: "postrouting", priority: 100), rules: [
                        NftRule([.mark(mask: 0x4000, value: 0x4000)], .return),
                        NftRule([.sourceAddress(prefix("10.244.0.0/16"), negated: true),
                                 .destinationAddress(prefix("10.244.1.0/24"), negated: false)], .masquerade(fullyRandom: true)),
                        NftRule([.outputInterface("eth0", negated: true), .inputInterface("cni0", negated: false), .counter],
                                .continue, comment: "why"),
                        NftRule([], .jump("x")), NftRule([], .goto("y")), NftRule([], .drop), NftRule([], .accept),
                        NftRule([], .other("reject")),
                    ]),
                    NftChain(name: "x", hook: nil, rules: []),
                ]),
                NftTable(key: NftTable.Key(family: .inet, name: "filter"), chains: []),
            ]
        )
    }

    @Test func countsAndSortedAccessors() {
        let state = Self.sample
        #expect(state.objectCount == 1 + 2 + 3 + 2 + 2 + 2)
        #expect(state.sortedRoutes.map(\.key) == state.routes.keys.sorted())
        #expect(state.sortedTables.first?.key == NftTable.Key(family: .inet, name: "filter"))
        #expect(!state.isEmpty)
    }

    @Test func initKeepsTheFirstObjectOfADuplicateKey() {
        let key = Route.Key(destination: IPv4Prefix.multicast)
        let state = NetworkState(routes: [Route(key: key, device: "a"), Route(key: key, device: "b")])
        #expect(state.routes.count == 1)
        #expect(state.routes[key]?.device == "a")
    }

    @Test func descriptionHasIproute2Sections() {
        let text = NetworkState.sampleDescriptionLines(Self.sample)
        #expect(text.first == "# link")
        #expect(text.contains("# addr"))
        #expect(text.contains("10.244.1.0/32 dev flannel.1"))
        #expect(text.contains("# route"))
        #expect(text.contains("# neigh"))
        #expect(text.contains("# fdb"))
        #expect(text.contains("# nft"))
        #expect(NetworkState().description == "")
    }
}

extension NetworkState {
    static func sampleDescriptionLines(_ state: NetworkState) -> [String] {
        state.description.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }
}

@Suite struct LinkFactsTests {
    static let onLinkNet = IPv4Prefix(address: IPv4Address(192, 168, 1, 0), length: 24)

    @Test func onLinkNetworksAnswerWithoutLookups() {
        let facts = LinkFacts(underlay: "eth0", onLinkNetworks: [.v4(Self.onLinkNet)])
        #expect(facts.isOnLink(IPv4Address(192, 168, 1, 12)))
        #expect(!facts.isOnLink(IPv4Address(10, 0, 5, 20)))
    }

    @Test func routeLookupsWinOverNetworks() {
        let inside = IPv4Address(192, 168, 1, 12)
        let outside = IPv4Address(10, 0, 5, 20)
        let facts = LinkFacts(
            underlay: "eth0", onLinkNetworks: [.v4(Self.onLinkNet)], routeLookups: [.v4(inside): false, .v4(outside): true]
        )
        #expect(!facts.isOnLink(inside), "the kernel said: via a gateway, whatever --on-link says")
        #expect(facts.isOnLink(outside), "the kernel said: on-link, though no network says so")
        #expect(facts.isOnLink(IPv4Address(192, 168, 1, 13)), "no lookup: the networks decide")
    }

    @Test func isLocalLooksAtAddresses() {
        let facts = LinkFacts(underlay: "eth0", addresses: [InterfaceAddress(address: IPv4Address(192, 168, 1, 11), length: 24)])
        #expect(facts.isLocal(IPv4Address(192, 168, 1, 11)))
        #expect(!facts.isLocal(IPv4Address(192, 168, 1, 12)))
    }

}
