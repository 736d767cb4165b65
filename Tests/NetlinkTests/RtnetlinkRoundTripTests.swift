import CMnl
import Glibc
import Netlink
import Testing

/// An IPv4 address, host order.
private func v4(_ value: UInt32) -> NetlinkAddress { NetlinkAddress(ipv4: value) }

/// Each rtnetlink codec against itself: what a request builder writes, the decoder of the same
/// kind reads back as the same value. The bytes themselves are pinned by ApplyTests'
/// `ChangeEncoderTests` and the decoders by ObservedTests' kernel-captured fixtures.
@Suite struct RtnetlinkRoundTripTests {

    /// The one message `bytes` holds, with the type and flags the request was given.
    func message(_ bytes: [UInt8], type: Int, flags: NetlinkRequest.Flags) throws -> NetlinkMessage {
        let messages = try NetlinkMessage.parse(bytes)
        try #require(messages.count == 1)
        #expect(messages[0].type == UInt16(type))
        #expect(messages[0].flags == flags.rawValue)
        return messages[0]
    }

    static let replace: NetlinkRequest.Flags = [.request, .ack, .create, .replace]

    @Test(arguments: [
        // 10.244.1.0/24 via 10.244.1.0 dev 7 onlink, as flannel's vxlan routes.
        RouteAttributes(
            destination: v4(0x0af4_0100), destinationLength: 24, table: 254, proto: 3, scope: 0, type: 1,
            flags: UInt32(RTNH_F_ONLINK), gateway: v4(0x0af4_0100), outputIndex: 7
        ),
        // A connected route with a preferred source, a metric and a table above 255.
        RouteAttributes(
            destination: v4(0xac16_0000), destinationLength: 20, tos: 0x10, table: 1000, proto: 2, scope: 253, type: 1,
            metric: 100, outputIndex: 2, preferredSource: v4(0xac16_00ef)
        ),
        // A default route and a blackhole without a device.
        RouteAttributes(table: 254, proto: 4, scope: 0, type: 1, gateway: v4(0xac16_0001), outputIndex: 2),
        RouteAttributes(destination: v4(0x0af4_0900), destinationLength: 24, table: 254, proto: 3, scope: 0, type: 6),
    ])
    func routeDecodesAsEncoded(route: RouteAttributes) throws {
        for operation in [RtnetlinkOperation.new, .delete] {
            let type = operation == .new ? RTM_NEWROUTE : RTM_DELROUTE
            let decoded = try RouteAttributes(decoding: try message(route.request(operation, flags: Self.replace), type: type, flags: Self.replace))
            #expect(decoded == route)
        }
        #expect(try RouteAttributes(decoding: try message(
            RouteAttributes.lookupRequest(v4(0xac16_01b1)), type: RTM_GETROUTE, flags: [.request, .ack]
        )) == RouteAttributes(destination: v4(0xac16_01b1), destinationLength: 32, table: 0, proto: 0, scope: 0, type: 0))
    }

    @Test func addressDecodesAsEncoded() throws {
        let address = AddressAttributes(prefixLength: 32, index: 7, local: v4(0x0af4_0000), address: v4(0x0af4_0000))
        for operation in [RtnetlinkOperation.new, .delete] {
            let type = operation == .new ? RTM_NEWADDR : RTM_DELADDR
            #expect(try AddressAttributes(decoding: try message(address.request(operation, flags: Self.replace), type: type, flags: Self.replace)) == address)
        }
        let peer = AddressAttributes(prefixLength: 8, scope: UInt8(RT_SCOPE_HOST.rawValue), index: 1, address: v4(0x7f00_0001))
        #expect(try AddressAttributes(decoding: try message(peer.request(.new, flags: [.request]), type: RTM_NEWADDR, flags: [.request])) == peer)
    }

    @Test func neighbourDecodesAsEncoded() throws {
        let neighbor = NeighborAttributes(index: 7, state: UInt16(NUD_PERMANENT), destination: v4(0x0af4_0100), lladdr: 0x0e4c_8b10_0101)
        let deletion = NeighborAttributes(index: 7, state: 0, destination: v4(0x0af4_0100))
        for (value, operation) in [(neighbor, RtnetlinkOperation.new), (deletion, .delete)] {
            let type = operation == .new ? RTM_NEWNEIGH : RTM_DELNEIGH
            #expect(try NeighborAttributes(decoding: try message(value.request(operation, flags: Self.replace), type: type, flags: Self.replace)) == value)
        }
    }

    @Test func fdbEntryDecodesAsEncoded() throws {
        var entry = NeighborAttributes(
            family: NeighborAttributes.bridge, index: 7, state: UInt16(NUD_PERMANENT), destination: v4(0xac16_01b1),
            lladdr: 0x0e4c_8b10_0101
        )
        entry.isSelf = true
        #expect(entry.isFdb && entry.flags == UInt8(NTF_SELF))
        for operation in [RtnetlinkOperation.new, .delete] {
            let type = operation == .new ? RTM_NEWNEIGH : RTM_DELNEIGH
            #expect(try NeighborAttributes(decoding: try message(entry.request(operation, flags: Self.replace), type: type, flags: Self.replace)) == entry)
        }
    }

    @Test func vxlanLinkDecodesAsEncoded() throws {
        let vxlan = LinkAttributes.Vxlan(vni: 1, local: v4(0xac16_00ef), underlayIndex: 2, port: 8472, learning: false, gbp: true)
        let link = LinkAttributes(
            index: 7, name: "flannel.1", mtu: 1450, mac: 0x0e4c_8b10_0001, up: true, kind: "vxlan", vxlan: vxlan, txQueueLength: 0
        )
        let flags: NetlinkRequest.Flags = [.request, .ack, .create, .exclusive]
        let decoded = try LinkAttributes(decoding: try message(link.request(.new, flags: flags), type: RTM_NEWLINK, flags: flags)) { _ in nil }
        #expect(decoded == link)
        let down = LinkAttributes(index: 7, up: false)
        #expect(try LinkAttributes(decoding: try message(down.request(.delete, flags: [.request]), type: RTM_DELLINK, flags: [.request])) { _ in nil } == down)
    }

    /// A link message without `IFLA_AF_SPEC`'s IPv6 part (IPv6 disabled on the device) has no
    /// `accept_ra`: unknown, not 0.
    @Test func noIPv6ConfigurationIsAnUnknownAcceptRA() throws {
        let link = LinkAttributes(index: 7, name: "flannel.1", up: true)
        var bytes = link.request(.new, flags: [.request])
        // IFLA_AF_SPEC { AF_INET { IFLA_INET_CONF: 4 bytes } }, no AF_INET6.
        let afSpec: [UInt8] = [16, 0, UInt8(IFLA_AF_SPEC), 0x80, 12, 0, UInt8(AF_INET), 0x80, 8, 0, 1, 0, 1, 0, 0, 0]
        bytes += afSpec
        let length = UInt32(bytes.count)
        bytes.withUnsafeMutableBytes { $0.storeBytes(of: length, toByteOffset: 0, as: UInt32.self) }
        let decoded = try LinkAttributes(decoding: try message(bytes, type: RTM_NEWLINK, flags: [.request])) { _ in nil }
        #expect(decoded.ipv6AcceptRA == nil)
        #expect(decoded.txQueueLength == nil)
    }

    @Test func aRefusedLinkNameIsADecodeErrorNamingTheIndex() throws {
        let link = LinkAttributes(index: 9, name: "eth0", up: true)
        let bytes = try message(link.request(.new, flags: [.request]), type: RTM_NEWLINK, flags: [.request])
        do {
            _ = try LinkAttributes(decoding: bytes) { _ in "is refused" }
            Issue.record("decoded")
        } catch {
            #expect(error.detail == "RTM_NEWLINK of ifindex 9: IFLA_IFNAME is refused")
        }
    }

    @Test func dumpRequestsCarryTheirFamilyAndFilter() throws {
        let routes = try message(RouteAttributes.dumpRequest(table: 254), type: RTM_GETROUTE, flags: [.request, .dump])
        #expect(routes.payload[0] == UInt8(AF_INET) && routes.payload[4] == 254)
        let fdb = try message(NeighborAttributes.dumpRequest(family: NeighborAttributes.bridge, index: 7), type: RTM_GETNEIGH, flags: [.request, .dump])
        #expect(fdb.payload[0] == UInt8(AF_BRIDGE))
        let addresses = try message(AddressAttributes.dumpRequest(index: 3), type: RTM_GETADDR, flags: [.request, .dump])
        #expect(addresses.payload[0] == UInt8(AF_INET))
        _ = try message(LinkAttributes.dumpRequest(), type: RTM_GETLINK, flags: [.request, .dump])
    }
}
