import CMnl
import Glibc
import Netlink
import Testing

/// `fd00:10:244:<third>::<last>`.
private func v6(_ third: UInt64, _ last: UInt64 = 0) -> NetlinkAddress {
    NetlinkAddress(ipv6High: 0xfd00_0010_0244_0000 | third, low: last)
}

/// `fd00:22::<last>`, an underlay address.
private func underlay(_ last: UInt64) -> NetlinkAddress { NetlinkAddress(ipv6High: 0xfd00_0022_0000_0000, low: last) }

/// The rtnetlink codecs with IPv6 addresses (routes, neighbours, fdb entries towards IPv6
/// VTEPs, addresses, the vxlan device's `IFLA_VXLAN_LOCAL6`), and their refusal of addresses
/// shorter than their family's. The IPv4 side is `RtnetlinkRoundTripTests`.
@Suite struct RtnetlinkIPv6Tests {

    static let replace: NetlinkRequest.Flags = [.request, .ack, .create, .replace]

    func message(_ bytes: [UInt8]) throws -> NetlinkMessage {
        let messages = try NetlinkMessage.parse(bytes)
        try #require(messages.count == 1)
        return messages[0]
    }

    /// The decode error `body` throws, or a recorded issue.
    func decodeError(_ body: () throws(NetlinkError) -> Void) -> NetlinkError? {
        do {
            try body()
            Issue.record("decoded")
            return nil
        } catch {
            #expect(error.operation == .decode)
            return error
        }
    }

    @Test(arguments: [
        // fd00:10:244:2::/64 via fd00:10:244:2:: dev 7 onlink metric 1024, flannel-v6's routes.
        RouteAttributes(
            family: RouteAttributes.inet6, destination: v6(2), destinationLength: 64, table: 254, proto: 3, scope: 0,
            type: 1, flags: UInt32(RTNH_F_ONLINK), metric: 1024, gateway: v6(2), outputIndex: 7
        ),
        // A host-gw route via the peer's public address.
        RouteAttributes(
            family: RouteAttributes.inet6, destination: v6(3), destinationLength: 64, table: 254, proto: 3, scope: 0,
            type: 1, metric: 1024, gateway: underlay(0x13), outputIndex: 2
        ),
        // A connected route with a preferred source, and a default route.
        RouteAttributes(
            family: RouteAttributes.inet6, destination: underlay(0), destinationLength: 64, table: 254, proto: 2,
            scope: 0, type: 1, metric: 256, outputIndex: 2, preferredSource: underlay(0x11)
        ),
        RouteAttributes(family: RouteAttributes.inet6, table: 254, proto: 4, scope: 0, type: 1, metric: 1024, gateway: underlay(1), outputIndex: 2),
    ])
    func ipv6RouteDecodesAsEncoded(route: RouteAttributes) throws {
        for operation in [RtnetlinkOperation.new, .delete] {
            let bytes = route.request(operation, flags: Self.replace)
            #expect(try RouteAttributes(decoding: try message(bytes)) == route)
            // rtm_family AF_INET6 and 16-byte addresses on the wire.
            #expect(try message(bytes).payload[0] == UInt8(AF_INET6))
        }
    }

    /// `ip -6 route get P6`: family `AF_INET6`, `rtm_dst_len` 128, a 16-byte `RTA_DST`.
    @Test func ipv6LookupAsksForOneHostAddress() throws {
        let request = try message(RouteAttributes.lookupRequest(underlay(0x12)))
        #expect(request.type == UInt16(RTM_GETROUTE))
        #expect(request.payload[0] == UInt8(AF_INET6) && request.payload[1] == 128)
        #expect(try RouteAttributes(decoding: request) == RouteAttributes(
            family: RouteAttributes.inet6, destination: underlay(0x12), destinationLength: 128, table: 0, proto: 0,
            scope: 0, type: 0
        ))
        #expect(request.bytes.count == 16 + 12 + 20, "header, rtmsg, RTA_DST of 16 bytes")
    }

    @Test func ipv6AddressDecodesAsEncoded() throws {
        // fd00:10:244:1::/128, as `ip -6 addr add` sends it: IFA_LOCAL and IFA_ADDRESS, no flags.
        let address = AddressAttributes(
            family: AddressAttributes.inet6, prefixLength: 128, index: 7, local: v6(1), address: v6(1)
        )
        for operation in [RtnetlinkOperation.new, .delete] {
            #expect(try AddressAttributes(decoding: try message(address.request(operation, flags: Self.replace))) == address)
        }
        // Flags above 8 bits travel in IFA_FLAGS (IFA_F_NOPREFIXROUTE is 0x200).
        var flagged = address
        flagged.flags = UInt32(IFA_F_NOPREFIXROUTE) | AddressAttributes.noDADFlag
        let bytes = flagged.request(.new, flags: Self.replace)
        #expect(try message(bytes).payload[2] == UInt8(truncatingIfNeeded: flagged.flags), "ifa_flags keeps the low byte")
        #expect(try AddressAttributes(decoding: try message(bytes)) == flagged)
        #expect(try AddressAttributes(decoding: try message(address.request(.new, flags: Self.replace))).flags == 0)
    }

    @Test func ipv6NeighbourAndFdbEntryDecodeAsEncoded() throws {
        // ip -6 neigh replace fd00:10:244:2:: lladdr 0e:4c:8b:10:00:62 dev 7 nud permanent
        let neighbor = NeighborAttributes(
            family: NeighborAttributes.inet6, index: 7, state: UInt16(NUD_PERMANENT), destination: v6(2),
            lladdr: 0x0e4c_8b10_0062
        )
        #expect(try NeighborAttributes(decoding: try message(neighbor.request(.new, flags: Self.replace))) == neighbor)
        // bridge fdb replace 0e:4c:8b:10:00:62 dev 7 dst fd00:22::12 self permanent
        var entry = NeighborAttributes(
            family: NeighborAttributes.bridge, index: 7, state: UInt16(NUD_PERMANENT), destination: underlay(0x12),
            lladdr: 0x0e4c_8b10_0062
        )
        entry.isSelf = true
        for operation in [RtnetlinkOperation.new, .delete] {
            #expect(try NeighborAttributes(decoding: try message(entry.request(operation, flags: Self.replace))) == entry)
        }
    }

    /// `ip link add flannel-v6.1 type vxlan id 1 local fd00:22::11 dev 2`: `IFLA_VXLAN_LOCAL6`
    /// (17), never `IFLA_VXLAN_LOCAL`.
    @Test func vxlanLocal6DecodesAsEncoded() throws {
        let vxlan = LinkAttributes.Vxlan(vni: 1, local: underlay(0x11), underlayIndex: 2, port: 8472, learning: false)
        let link = LinkAttributes(name: "flannel-v6.1", mtu: 1430, mac: 0x0e4c_8b10_0061, kind: "vxlan", vxlan: vxlan, txQueueLength: 0)
        let bytes = link.request(.new, flags: [.request, .ack, .create, .exclusive])
        let decoded = try LinkAttributes(decoding: try message(bytes)) { _ in nil }
        #expect(decoded.vxlan == vxlan)
        #expect(decoded.vxlan?.local?.family == NetlinkAddress.inet6)
        // The attribute: length 20, type IFLA_VXLAN_LOCAL6, then fd00:0022:: ...
        let local6: [UInt8] = [20, 0, UInt8(IFLA_VXLAN_LOCAL6), 0, 0xfd, 0x00, 0x00, 0x22]
        #expect(IFLA_VXLAN_LOCAL6 == 17)
        #expect(bytes.indices.contains { Array(bytes[$0..<min($0 + 8, bytes.count)]) == local6 })
    }

    // MARK: Hostile input

    /// An IPv6 route whose `RTA_DST` has 4 bytes (an IPv4 address in an `AF_INET6` route) is
    /// refused with the attribute's name, not read as a truncated IPv6 address.
    @Test func aFourByteIPv6RouteDestinationIsRefused() throws {
        let forged = RouteAttributes(
            family: RouteAttributes.inet6, destination: NetlinkAddress(ipv4: 0x0af4_0100), destinationLength: 24,
            table: 254, proto: 3, scope: 0, type: 1
        )
        let bytes = try message(forged.request(.new, flags: Self.replace))
        let error = decodeError { () throws(NetlinkError) in _ = try RouteAttributes(decoding: bytes) }
        #expect(error?.detail?.hasPrefix("RTA_DST: 4 bytes, expected 16") == true, "\(String(describing: error))")

        let gateway = RouteAttributes(
            family: RouteAttributes.inet6, destination: v6(2), destinationLength: 64, table: 254, proto: 3, scope: 0,
            type: 1, gateway: NetlinkAddress(ipv4: 1)
        )
        let gatewayBytes = try message(gateway.request(.new, flags: Self.replace))
        let gatewayError = decodeError { () throws(NetlinkError) in _ = try RouteAttributes(decoding: gatewayBytes) }
        #expect(gatewayError?.detail?.hasPrefix("RTA_GATEWAY: 4 bytes, expected 16") == true)
    }

    @Test func shortIPv6NeighbourAndAddressAttributesAreRefused() throws {
        let neighbor = NeighborAttributes(
            family: NeighborAttributes.inet6, index: 7, state: UInt16(NUD_PERMANENT), destination: NetlinkAddress(ipv4: 1)
        )
        let neighborBytes = try message(neighbor.request(.new, flags: Self.replace))
        let neighborError = decodeError { () throws(NetlinkError) in _ = try NeighborAttributes(decoding: neighborBytes) }
        #expect(neighborError?.detail?.hasPrefix("NDA_DST of 4 bytes in an AF_INET6 neighbour") == true)

        // An IPv6 address in an AF_INET neighbour is as wrong.
        let arp = NeighborAttributes(index: 7, state: UInt16(NUD_PERMANENT), destination: v6(2))
        let arpBytes = try message(arp.request(.new, flags: Self.replace))
        let arpError = decodeError { () throws(NetlinkError) in _ = try NeighborAttributes(decoding: arpBytes) }
        #expect(arpError?.detail?.hasPrefix("NDA_DST of 16 bytes in an AF_INET neighbour") == true)

        let address = AddressAttributes(family: AddressAttributes.inet6, prefixLength: 128, index: 7, address: NetlinkAddress(ipv4: 1))
        let addressBytes = try message(address.request(.new, flags: Self.replace))
        let addressError = decodeError { () throws(NetlinkError) in _ = try AddressAttributes(decoding: addressBytes) }
        #expect(addressError?.detail?.hasPrefix("IFA_ADDRESS: 4 bytes, expected 16") == true)
    }

    /// An fdb entry's `NDA_DST` is 4 or 16 bytes; 8 is neither family's.
    @Test func anFdbDestinationOfNeitherLengthIsRefused() throws {
        var entry = NeighborAttributes(
            family: NeighborAttributes.bridge, index: 7, state: UInt16(NUD_PERMANENT), destination: NetlinkAddress(ipv4: 0xac16_0001),
            lladdr: 0x0e4c_8b10_0062
        )
        entry.isSelf = true
        var bytes = entry.request(.new, flags: Self.replace)
        // Widen NDA_DST (after NDA_LLADDR: header 16, ndmsg 12, NDA_LLADDR 12) from 8 to 12 bytes.
        let offset = 16 + 12 + 12
        #expect(bytes[offset] == 8 && bytes[offset + 2] == UInt8(NDA_DST))
        bytes[offset] = 12
        bytes.insert(contentsOf: [0, 0, 0, 0], at: offset + 8)
        let length = UInt32(bytes.count)
        bytes.withUnsafeMutableBytes { $0.storeBytes(of: length, toByteOffset: 0, as: UInt32.self) }
        let forged = try message(bytes)
        let error = decodeError { () throws(NetlinkError) in _ = try NeighborAttributes(decoding: forged) }
        #expect(error?.detail?.hasPrefix("NDA_DST of 8 bytes in an AF_BRIDGE entry, expected 4 or 16") == true, "\(String(describing: error))")
    }

    @Test func aShortVxlanLocal6IsRefused() throws {
        let vxlan = LinkAttributes.Vxlan(vni: 1, local: NetlinkAddress(ipv4: 0xac16_00ef))
        var bytes = LinkAttributes(name: "flannel-v6.1", kind: "vxlan", vxlan: vxlan).request(.new, flags: [.request])
        // Retype the 4-byte IFLA_VXLAN_LOCAL as IFLA_VXLAN_LOCAL6.
        let local: [UInt8] = [8, 0, UInt8(IFLA_VXLAN_LOCAL), 0, 0xac, 0x16, 0x00, 0xef]
        let offset = try #require(bytes.indices.first { Array(bytes[$0..<min($0 + 8, bytes.count)]) == local })
        bytes[offset + 2] = UInt8(IFLA_VXLAN_LOCAL6)
        let forged = try message(bytes)
        let error = decodeError { () throws(NetlinkError) in _ = try LinkAttributes(decoding: forged) { _ in nil } }
        #expect(error?.detail?.hasPrefix("IFLA_VXLAN_LOCAL6: 4 bytes, expected 16") == true, "\(String(describing: error))")
    }

    /// The reconciler's event socket joins the IPv6 route and address groups beside the IPv4
    /// ones; the raw values are the kernel's `RTNLGRP_*`.
    @Test func eventGroupsIncludeIPv6RoutesAndAddresses() {
        #expect(RoutingEventGroup.ipv6Route.rawValue == RTNLGRP_IPV6_ROUTE.rawValue)
        #expect(RoutingEventGroup.ipv6Address.rawValue == RTNLGRP_IPV6_IFADDR.rawValue)
        #expect(RoutingEventGroup.ipv4Route.rawValue == RTNLGRP_IPV4_ROUTE.rawValue)
        #expect(RoutingEventGroup.allCases.contains(.ipv6Route) && RoutingEventGroup.allCases.contains(.ipv6Address))
    }

    @Test func addressDescriptionsNameTheFamily() {
        #expect(NetlinkAddress(ipv4: 0x0af4_0100).description == "10.244.1.0")
        #expect(underlay(0x12).description == "fd00:22:0:0:0:0:0:12")
        #expect(NetlinkAddress.zero(family: UInt8(AF_INET6)) == NetlinkAddress(ipv6High: 0, low: 0))
        #expect(NetlinkAddress.zero(family: UInt8(AF_BRIDGE)) == nil)
    }
}
