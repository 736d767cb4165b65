import CMnl
import Glibc
import NetState
import Netlink
@testable import Observed
import Planner
import Testing

/// Decoded IPv6 messages read in the model's terms, and the observation scope's rules for both
/// families. Messages are built with the codecs' own request builders.
@Suite struct IPv6MessageTests {
    func message(_ bytes: [UInt8]) throws -> NetlinkMessage {
        try #require(try NetlinkMessage.parse(bytes).first)
    }

    static let s6 = IPv6Address(0xfd00, 0x10, 0x244, 2, 0, 0, 0, 0)
    static func wire(_ address: IPv6Address) -> NetlinkAddress { NetlinkAddress(ipv6High: address.high, low: address.low) }

    @Test func anIPv6RouteKeepsItsMetricInItsKey() throws {
        let attributes = RouteAttributes(
            family: UInt8(AF_INET6), destination: Self.wire(Self.s6), destinationLength: 64, table: 254, proto: 3,
            scope: 0, type: 1, flags: UInt32(RTNH_F_ONLINK), metric: 1024, gateway: Self.wire(Self.s6), outputIndex: 8
        )
        let decoded = try RouteMessage(decoding: try message(attributes.request(.new, flags: [.request])))
        let route = try #require(decoded.route(deviceNames: [8: "flannel-v6.1"]))
        #expect(route == Route(
            key: Route.Key(destination: IPv6Prefix(address: Self.s6, length: 64), metric: 1024), gateway: .v6(Self.s6),
            device: "flannel-v6.1", onLink: true
        ))
        #expect(route.description == "fd00:10:244:2::/64 via fd00:10:244:2:: dev flannel-v6.1 metric 1024 onlink")
        #expect(ObservationScope.reads(decoded))
    }

    /// An IPv6 default route (no `RTA_DST`) is `::/0`, and it is the underlay's only when no
    /// IPv4 default route exists.
    @Test func defaultRoutesPreferIPv4() throws {
        let v6Default = try #require(RouteMessage(decoding: try message(RouteAttributes(
            family: UInt8(AF_INET6), table: 254, proto: 3, scope: 0, type: 1, metric: 1, gateway: Self.wire(Self.s6), outputIndex: 3
        ).request(.new, flags: [.request]))).route(deviceNames: [3: "eth1", 2: "eth0"]))
        #expect(v6Default.destination == .v6(IPv6Prefix(address: IPv6Address(high: 0, low: 0), length: 0)))
        let v4Default = Route(key: Route.Key(destination: IPv4Prefix("0.0.0.0/0")!, metric: 100), gateway: .v4(IPv4Address(172, 22, 0, 1)), device: "eth0")
        #expect(try Observer.defaultRouteDevice([v6Default, v4Default]) == "eth0")
        #expect(try Observer.defaultRouteDevice([v6Default]) == "eth1", "an IPv6-only node")
    }

    /// Global IPv6 addresses are read; the kernel's `fe80::` link-local ones (scope link) are not.
    @Test func onlyGlobalIPv6AddressesAreRead() throws {
        func address(_ value: IPv6Address, length: UInt8, scope: UInt8) throws -> AddressMessage {
            try AddressMessage(decoding: try message(AddressAttributes(
                family: UInt8(AF_INET6), prefixLength: length, scope: scope, index: 8, address: Self.wire(value)
            ).request(.new, flags: [.request])))
        }
        let global = try address(IPv6Address(0xfd00, 0x10, 0x244, 1, 0, 0, 0, 0), length: 128, scope: 0)
        #expect(global.address == InterfaceAddress("fd00:10:244:1::/128"))
        #expect(ObservationScope.reads(global))
        let linkLocal = try address(IPv6Address(0xfe80, 0, 0, 0, 0xc4c, 0x8bff, 0xfe10, 0x61), length: 64, scope: UInt8(RT_SCOPE_LINK.rawValue))
        #expect(linkLocal.address?.description == "fe80::c4c:8bff:fe10:61/64")
        #expect(!ObservationScope.reads(linkLocal))
        // IPv4 addresses are read whatever their scope, as before.
        let loopback = try AddressMessage(decoding: try message(AddressAttributes(
            prefixLength: 8, scope: UInt8(RT_SCOPE_HOST.rawValue), index: 1, local: NetlinkAddress(ipv4: 0x7f00_0001)
        ).request(.new, flags: [.request])))
        #expect(ObservationScope.reads(loopback))
    }

    @Test func ndiscAndFdbEntriesOfIPv6() throws {
        let mac: UInt64 = 0x0e4c_8b10_0062
        let ndisc = try NeighborMessage(decoding: try message(NeighborAttributes(
            family: UInt8(AF_INET6), index: 8, state: UInt16(NUD_PERMANENT), destination: Self.wire(Self.s6), lladdr: mac
        ).request(.new, flags: [.request])))
        #expect(ndisc.neighbor(deviceNames: [8: "flannel-v6.1"])?.description == "fd00:10:244:2:: lladdr 0e:4c:8b:10:00:62 dev flannel-v6.1 nud permanent")
        #expect(ndisc.fdbEntry(deviceNames: [:]) == nil)
        var fdb = NeighborAttributes(
            family: UInt8(AF_BRIDGE), index: 8, state: UInt16(NUD_PERMANENT), destination: Self.wire(IPv6Address(0xfd00, 0x22, 0, 0, 0, 0, 0, 0x12)),
            lladdr: mac
        )
        fdb.isSelf = true
        let entry = try NeighborMessage(decoding: try message(fdb.request(.new, flags: [.request])))
        #expect(ObservationScope.readsFdb(entry))
        #expect(entry.fdbEntry(deviceNames: [8: "flannel-v6.1"])?.description == "0e:4c:8b:10:00:62 dev flannel-v6.1 dst fd00:22::12 self permanent")
        #expect(entry.neighbor(deviceNames: [:]) == nil)
    }

    @Test func theScopeNamesTheIPv6DeviceAsOwnershipDoes() {
        for name in ["flannel.1", "flannel.4096", "vx0"] {
            let scope = ObservationScope(vxlanDevice: name, underlay: "eth0", peers: [])
            let ownership = Ownership(ipv4: nil, ipv6: nil, vxlanDevice: name, underlay: "eth0")
            #expect(scope.vxlan6Device == ownership.vxlan6Device)
        }
        let scope = ObservationScope(vxlanDevice: "flannel.1", underlay: "eth0", peers: [])
        #expect(scope.vxlan6Device == "flannel-v6.1")
        #expect(scope.neighborFamily(onDevice: "flannel-v6.1") == .inet6)
        #expect(scope.neighborFamily(onDevice: "flannel.1") == .inet)
        #expect(scope.neighborFamily(onDevice: "eth0") == nil)
    }

    /// The underlay's connected IPv6 networks are on-link (scope universe, unlike IPv4's), but
    /// never `fe80::/64`, nor a route with a gateway or on another device.
    @Test func connectedIPv6NetworksOfTheUnderlay() {
        func route(_ prefix: String, gateway: IPAddress? = nil, device: String = "eth0") -> Route {
            Route(key: Route.Key(destination: IPPrefix(prefix)!, metric: 256), gateway: gateway, device: device, proto: .kernel)
        }
        #expect(Observer.isConnected(route("fd00:22::/64"), on: "eth0"))
        #expect(!Observer.isConnected(route("fe80::/64"), on: "eth0"))
        #expect(!Observer.isConnected(route("fd00:23::/64", gateway: IPAddress("fd00:22::1")), on: "eth0"))
        #expect(!Observer.isConnected(route("fd00:22::/64", device: "eth1"), on: "eth0"))
        var ipv4 = route("172.22.0.0/20")
        #expect(!Observer.isConnected(ipv4, on: "eth0"), "IPv4 connected routes have scope link")
        ipv4.scope = .link
        #expect(Observer.isConnected(ipv4, on: "eth0"))
    }
}
