import CMnl
import NetState
import Netlink
import Observed
import Testing
import TestSupport

/// Decoders against bytes captured from a real kernel (see `FixtureCaptureTests`); no root.
@Suite struct DecoderFixtureTests {
    func links() throws -> [LinkMessage] {
        try HexFixture.messages("links.hex").map { try LinkMessage(decoding: $0) }
    }

    func names() throws -> [UInt32: String] {
        Dictionary(uniqueKeysWithValues: try links().map { ($0.index, $0.name) })
    }

    @Test func linksDecodeNamesIndexesAndVxlanData() throws {
        let links = try links()
        #expect(links.map(\.name) == ["lo", "eth0p", "eth0", "flannel.1"])
        #expect(links.map(\.index) == [1, 2, 3, 4])
        #expect(links.map(\.kind) == [nil, "veth", "veth", "vxlan"])
        #expect(links.allSatisfy { $0.isUp })
        let vxlan = try #require(links.last)
        #expect(vxlan.mtu == 1450)
        #expect(vxlan.mac == MACAddress("12:c6:65:89:b4:e3"))
        let data = try #require(vxlan.vxlan)
        #expect(data.vni == 1)
        #expect(data.local == .v4(IPv4Address(172, 22, 0, 239)))
        #expect(data.underlayIndex == 3)
        #expect(data.port == 8472)  // network order on the wire: 0x2118
        #expect(data.learning == false)
        #expect(data.gbp == false)
        #expect(links[2].mtu == 1500)
        #expect(links[2].vxlan == nil)
    }

    /// `IFLA_TXQLEN`, and `accept_ra` at `DEVCONF_ACCEPT_RA` (3) of `IFLA_AF_SPEC` → `AF_INET6` →
    /// `IFLA_INET6_CONF`: the scenario's device is made as flanneld makes it (`txqueuelen 0`,
    /// `accept_ra=0`), the veths keep the kernel's defaults (1000, 1).
    @Test func linksDecodeTheQueueLengthAndAcceptRA() throws {
        let links = try links()
        let vxlan = try #require(links.last)
        #expect(vxlan.attributes.txQueueLength == 0)
        #expect(vxlan.attributes.ipv6AcceptRA == 0)
        #expect(links[2].attributes.txQueueLength == 1000)
        #expect(links[2].attributes.ipv6AcceptRA == 1)
    }

    @Test func vxlanLinkIsTheModelsValue() throws {
        let links = try links()
        let addresses = try HexFixture.messages("addresses.hex").map { try AddressMessage(decoding: $0) }
        let vxlan = try #require(links.first { $0.name == "flannel.1" })
        let link = vxlan.vxlanLink(
            addresses: addresses.filter { $0.index == vxlan.index }.compactMap(\.address), deviceNames: try names()
        )
        #expect(link == FlannelScenario.vxlan)
    }

    @Test func addressesDecodeLocalAndPrefixLength() throws {
        let addresses = try HexFixture.messages("addresses.hex").map { try AddressMessage(decoding: $0) }
        #expect(addresses.map(\.index) == [1, 3, 4])
        #expect(addresses.map { $0.address?.description } == ["127.0.0.1/8", "172.22.0.239/20", "10.244.0.0/32"])
    }

    @Test func routesDecodeToTheScenarioRoutes() throws {
        let names = try names()
        let routes = try HexFixture.messages("routes.hex").compactMap {
            try RouteMessage(decoding: $0).route(deviceNames: names)
        }
        #expect(routes == FlannelScenario.routes)
        #expect(routes.map(\.description) == [
            "0.0.0.0/0 via 172.22.0.1 dev eth0",
            "10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink",
            "10.244.2.0/24 via 172.22.1.177 dev eth0",
            "blackhole 10.244.9.0/24",
            "172.22.0.0/20 dev eth0 proto kernel scope link src 172.22.0.239",
        ])
    }

    @Test func neighboursDecodePermanentAndLearnt() throws {
        let names = try names()
        let neighbors = try HexFixture.messages("neighbors.hex").compactMap {
            try NeighborMessage(decoding: $0).neighbor(deviceNames: names)
        }
        #expect(neighbors.sorted { $0.key < $1.key } == FlannelScenario.neighbors)
    }

    @Test func fdbDecodesSelfDestinationAndNormalisesState() throws {
        let names = try names()
        let messages = try HexFixture.messages("fdb.hex").map { try NeighborMessage(decoding: $0) }
        // `bridge fdb append … permanent` stores NUD_PERMANENT|NUD_NOARP.
        #expect(messages.map(\.state.rawValue) == [0xc0])
        #expect(messages.map(\.isSelf) == [true])
        #expect(messages.compactMap { $0.fdbEntry(deviceNames: names) } == FlannelScenario.fdb)
        #expect(messages.compactMap { $0.neighbor(deviceNames: names) }.isEmpty)
    }

    @Test func routeLookupAnswersTellOnLinkByGateway() throws {
        let answers = try HexFixture.messages("lookups.hex").map { try RouteMessage(decoding: $0) }
        #expect(answers.map(\.destination.description) == ["172.22.1.176/32", "192.168.5.5/32"])
        #expect(answers.map { $0.gateway == nil } == [true, false])
        #expect(answers.map(\.outputIndex) == [3, 3])
    }
}
