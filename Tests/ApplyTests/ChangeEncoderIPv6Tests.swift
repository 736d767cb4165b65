import Apply
import NetState
import Planner
import Testing

/// The encoder's IPv6 requests against bytes written out by hand, as `ChangeEncoderTests` does
/// for IPv4: what `ip -6 route|neigh|addr`, `bridge fdb … dst <IPv6>` and `ip link add … type
/// vxlan local <IPv6>` send. Addresses are 16 bytes in network order; `rtm_family`,
/// `ndm_family` and `ifa_family` are `AF_INET6` (0x0a).
@Suite struct ChangeEncoderIPv6Tests {
    static let indices: [String: UInt32] = ["lo": 1, "eth0": 2, "flannel.1": 7, "flannel-v6.1": 8]
    /// `fd00:10:244:2::`, the first address of a peer's IPv6 lease.
    static let peerS6 = IPv6Address(0xfd00, 0x10, 0x244, 2, 0, 0, 0, 0)
    /// `fd00:22::12`, the peer's PublicIPv6.
    static let peerP6 = IPv6Address(0xfd00, 0x22, 0, 0, 0, 0, 0, 0x12)
    static let peerMAC = MACAddress("0e:4c:8b:10:00:62")!
    static let vxlanRoute = Route(
        key: Route.Key(destination: IPv6Prefix(address: peerS6, length: 64), metric: 1024), gateway: .v6(peerS6),
        device: "flannel-v6.1", onLink: true
    )

    func encode(_ change: Change) throws -> [[UInt8]] {
        try ChangeEncoder.messages(for: change, indices: Self.indices).map(\.bytes)
    }

    func expectBytes(_ actual: [UInt8], _ expected: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(dump(actual) == dump(expected), sourceLocation: sourceLocation)
    }

    /// `ip -6 route replace fd00:10:244:2::/64 via fd00:10:244:2:: dev flannel-v6.1 onlink
    /// metric 1024`.
    @Test func ipv6VxlanRouteIsOneReplaceWithItsMetric() throws {
        let messages = try encode(.route(.create(Self.vxlanRoute)))
        try #require(messages.count == 1)
        expectBytes(messages[0], hex("""
            54000000 1800 0505 00000000 00000000    # len 84, RTM_NEWROUTE, REQUEST|ACK|REPLACE|CREATE
            0a 40 00 00 fe 03 00 01 04000000        # AF_INET6, /64, main, proto boot, universe, unicast, ONLINK
            1400 0100 fd000010 02440002 00000000 00000000   # RTA_DST fd00:10:244:2::
            0800 0600 00040000                      # RTA_PRIORITY 1024
            1400 0500 fd000010 02440002 00000000 00000000   # RTA_GATEWAY fd00:10:244:2::
            0800 0400 08000000                      # RTA_OIF 8 (flannel-v6.1)
            """))
    }

    /// `ip -6 route del …`: the key (family, table, destination, metric), any scope, no onlink.
    @Test func ipv6RouteDeleteNamesTheKernelKey() throws {
        let messages = try encode(.route(.delete(Self.vxlanRoute)))
        try #require(messages.count == 1)
        expectBytes(messages[0], hex("""
            54000000 1900 0500 00000000 00000000    # RTM_DELROUTE, REQUEST|ACK
            0a 40 00 00 fe 03 ff 01 00000000        # scope RT_SCOPE_NOWHERE, no flags
            1400 0100 fd000010 02440002 00000000 00000000
            0800 0600 00040000
            1400 0500 fd000010 02440002 00000000 00000000
            0800 0400 08000000
            """))
    }

    /// `ip -6 route replace fd00:10:244:3::/64 via fd00:22::12 dev eth0 metric 1024` (host-gw).
    @Test func ipv6HostGatewayRoute() throws {
        let route = Route(
            key: Route.Key(destination: IPv6Prefix(address: IPv6Address(0xfd00, 0x10, 0x244, 3, 0, 0, 0, 0), length: 64), metric: 1024),
            gateway: .v6(Self.peerP6), device: "eth0"
        )
        expectBytes(try encode(.route(.create(route)))[0], hex("""
            54000000 1800 0505 00000000 00000000
            0a 40 00 00 fe 03 00 01 00000000
            1400 0100 fd000010 02440003 00000000 00000000
            0800 0600 00040000
            1400 0500 fd000022 00000000 00000000 00000012   # RTA_GATEWAY fd00:22::12
            0800 0400 02000000
            """))
    }

    /// `ip -6 neigh replace fd00:10:244:2:: lladdr 0e:4c:8b:10:00:62 dev flannel-v6.1 nud
    /// permanent`, and its delete (no state, no lladdr).
    @Test func ipv6NeighbourReplaceAndDelete() throws {
        let neighbor = Neighbor(key: Neighbor.Key(device: "flannel-v6.1", ip: .v6(Self.peerS6)), lladdr: Self.peerMAC)
        expectBytes(try encode(.neighbor(.create(neighbor)))[0], hex("""
            3c000000 1c00 0505 00000000 00000000    # len 60, RTM_NEWNEIGH
            0a 00 0000 08000000 8000 00 00          # AF_INET6, ifindex 8, NUD_PERMANENT
            1400 0100 fd000010 02440002 00000000 00000000   # NDA_DST
            0a00 0200 0e4c8b100062 0000             # NDA_LLADDR
            """))
        expectBytes(try encode(.neighbor(.delete(neighbor)))[0], hex("""
            30000000 1d00 0500 00000000 00000000    # len 48, RTM_DELNEIGH
            0a 00 0000 08000000 0000 00 00
            1400 0100 fd000010 02440002 00000000 00000000
            """))
    }

    /// `bridge fdb replace 0e:4c:8b:10:00:62 dev flannel-v6.1 dst fd00:22::12 self permanent`.
    @Test func fdbEntryTowardsAnIPv6Vtep() throws {
        let entry = FdbEntry(device: "flannel-v6.1", mac: Self.peerMAC, destination: .v6(Self.peerP6))
        expectBytes(try encode(.fdb(.create(entry)))[0], hex("""
            3c000000 1c00 0505 00000000 00000000
            07 00 0000 08000000 8000 02 00          # AF_BRIDGE, ifindex 8, NUD_PERMANENT, NTF_SELF
            0a00 0200 0e4c8b100062 0000             # NDA_LLADDR
            1400 0100 fd000022 00000000 00000000 00000012   # NDA_DST fd00:22::12
            """))
    }

    /// `ip -6 addr replace fd00:10:244:1::/128 dev flannel-v6.1`: no flags (no `nodad`), as
    /// `ip` and flannel send it.
    @Test func ipv6DeviceAddress() throws {
        let address = DeviceAddress(
            device: "flannel-v6.1", address: InterfaceAddress(address: .v6(IPv6Address(0xfd00, 0x10, 0x244, 1, 0, 0, 0, 0)), length: 128)
        )
        expectBytes(try encode(.address(.create(address)))[0], hex("""
            40000000 1400 0505 00000000 00000000    # len 64, RTM_NEWADDR
            0a 80 00 00 08000000                    # AF_INET6, /128, flags 0, scope universe, ifindex 8
            1400 0200 fd000010 02440001 00000000 00000000   # IFA_LOCAL
            1400 0100 fd000010 02440001 00000000 00000000   # IFA_ADDRESS
            """))
        expectBytes(try encode(.address(.delete(address)))[0], hex("""
            40000000 1500 0500 00000000 00000000    # RTM_DELADDR
            0a 80 00 00 08000000
            1400 0200 fd000010 02440001 00000000 00000000
            1400 0100 fd000010 02440001 00000000 00000000
            """))
    }

    /// `ip link add flannel-v6.1 address … mtu 1430 type vxlan id 1 local fd00:22::11 dev eth0
    /// dstport 8472 nolearning`: `IFLA_VXLAN_LOCAL6` (17) carries the 16 bytes.
    @Test func createIPv6LinkSendsLocal6() throws {
        let link = VxlanLink(
            name: "flannel-v6.1", vni: 1, local: .v6(IPv6Address(0xfd00, 0x22, 0, 0, 0, 0, 0, 0x11)), underlay: "eth0",
            mtu: 1430, mac: MACAddress("0e:4c:8b:10:00:61")
        )
        let messages = try encode(.createLink(link))
        try #require(messages.count == 2)
        expectBytes(messages[0], hex("""
            90000000 1000 0506 00000000 00000000    # len 144, RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE
            00 00 0000 00000000 00000000 00000000
            1100 0300 666c616e6e656c2d76362e3100 000000   # IFLA_IFNAME "flannel-v6.1\\0"
            0800 0400 96050000                      # IFLA_MTU 1430
            0a00 0100 0e4c8b100061 0000             # IFLA_ADDRESS
            4800 1280                               # IFLA_LINKINFO 72 B
              0a00 0100 7678 6c61 6e00 0000         #   IFLA_INFO_KIND "vxlan"
              3800 0280                             #   IFLA_INFO_DATA 56 B
                0800 0100 01000000                  #     IFLA_VXLAN_ID 1
                1400 1100 fd000022 00000000 00000000 00000011   # IFLA_VXLAN_LOCAL6 fd00:22::11
                0800 0300 02000000                  #     IFLA_VXLAN_LINK 2
                0600 0f00 2118 0000                 #     IFLA_VXLAN_PORT 8472
                0500 0700 00 000000                 #     IFLA_VXLAN_LEARNING 0
            """))
    }

    /// The executor writes `accept_ra` of the IPv6 device by its own name.
    @Test func acceptRAOfTheIPv6Device() {
        let link = VxlanLink(
            name: "flannel-v6.1", vni: 1, local: .v6(IPv6Address(0xfd00, 0x22, 0, 0, 0, 0, 0, 0x11)), underlay: "eth0",
            mtu: 1430, mac: nil, acceptRA: 0
        )
        let write = ChangeEncoder.acceptRAWrite(for: .createLink(link))
        #expect(write?.device == "flannel-v6.1" && write?.value == 0)
        #expect(link.acceptRASysctlName == "net.ipv6.conf.flannel-v6/1.accept_ra")
    }
}
