import Apply
import NetState
import Planner
import Testing

/// The encoder against bytes written out by hand from the kernel's structures (`nlmsghdr`
/// 16 B, the family header, each attribute as length/type/value padded to 4), sequence 0.
/// Host byte order is little-endian here (x86_64, aarch64), network-order fields are marked.
@Suite struct ChangeEncoderTests {
    static let indices: [String: UInt32] = ["lo": 1, "eth0": 2, "flannel.1": 7]
    static let vxlan = VxlanLink(
        name: "flannel.1", vni: 1, local: .v4(IPv4Address(172, 22, 0, 239)), underlay: "eth0", mtu: 1450,
        mac: MACAddress("0e:4c:8b:10:00:01")
    )
    static let peerMAC = MACAddress("0e:4c:8b:10:01:01")!

    func encode(_ change: Change, firstSequence: UInt32 = 0) throws -> [[UInt8]] {
        try ChangeEncoder.messages(for: change, indices: Self.indices, firstSequence: firstSequence).map(\.bytes)
    }

    func expectBytes(_ actual: [UInt8], _ expected: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(dump(actual) == dump(expected), sourceLocation: sourceLocation)
    }

    @Test func createLinkIsNewLinkExclusiveThenUp() throws {
        let messages = try encode(.createLink(Self.vxlan))
        try #require(messages.count == 2)
        expectBytes(messages[0], hex("""
            80000000 1000 0506          # nlmsghdr: len 128, RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE
            00000000 00000000           # seq 0, pid 0
            00 00 0000 00000000 00000000 00000000   # ifinfomsg: AF_UNSPEC, index 0, flags 0, change 0
            0e00 0300 666c616e6e656c2e3100 0000     # IFLA_IFNAME "flannel.1\\0"
            0800 0400 aa050000                      # IFLA_MTU 1450
            0a00 0100 0e4c8b100001 0000             # IFLA_ADDRESS
            3c00 1280                               # IFLA_LINKINFO (nested), 60 B
              0a00 0100 7678 6c61 6e00 0000         #   IFLA_INFO_KIND "vxlan\\0"
              2c00 0280                             #   IFLA_INFO_DATA (nested), 44 B
                0800 0100 01000000                  #     IFLA_VXLAN_ID 1
                0800 0400 ac1600ef                  #     IFLA_VXLAN_LOCAL 172.22.0.239 (network order)
                0800 0300 02000000                  #     IFLA_VXLAN_LINK ifindex 2 (eth0)
                0600 0f00 2118 0000                 #     IFLA_VXLAN_PORT 8472 (network order)
                0500 0700 00 000000                 #     IFLA_VXLAN_LEARNING 0
            """))
        expectBytes(messages[1], hex("""
            30000000 1000 0500 01000000 00000000    # len 48, RTM_NEWLINK, REQUEST|ACK, seq 0 + 1
            00 00 0000 00000000 01000000 01000000   # index 0 (by name), flags IFF_UP, change IFF_UP
            0e00 0300 666c616e6e656c2e3100 0000     # IFLA_IFNAME "flannel.1"
            """))
    }

    @Test func gbpAndLearningAndNoLocalNoMAC() throws {
        var link = Self.vxlan
        link.gbp = true
        link.learning = true
        link.local = nil
        link.mac = nil
        link.port = 4789
        link.up = false
        let messages = try encode(.createLink(link))
        try #require(messages.count == 2)
        expectBytes(messages[0], hex("""
            70000000 1000 0506 00000000 00000000    # len 112
            00 00 0000 00000000 00000000 00000000
            0e00 0300 666c616e6e656c2e3100 0000
            0800 0400 aa050000
            3800 1280                               # IFLA_LINKINFO 56 B
              0a00 0100 7678 6c61 6e00 0000
              2800 0280                             #   IFLA_INFO_DATA 40 B
                0800 0100 01000000                  #     ID
                0800 0300 02000000                  #     LINK
                0600 0f00 12b5 0000                 #     PORT 4789 = 0x12b5
                0500 0700 01 000000                 #     LEARNING 1
                0400 1700                           #     IFLA_VXLAN_GBP (flag, no value)
            """))
        expectBytes(messages[1], hex("""
            30000000 1000 0500 01000000 00000000    # seq 1
            00 00 0000 00000000 00000000 01000000   # flags 0 (down), change IFF_UP
            0e00 0300 666c616e6e656c2e3100 0000
            """))
    }

    @Test func modifyLinkSetsOnlyWhatChanged() throws {
        var old = Self.vxlan
        old.mtu = 1500
        old.learning = true
        old.up = false
        let messages = try encode(.modifyLink(old: old, new: Self.vxlan))
        try #require(messages.count == 2)
        expectBytes(messages[0], hex("""
            3c000000 1000 0500 00000000 00000000    # len 60, RTM_NEWLINK, REQUEST|ACK
            00 00 0000 07000000 00000000 00000000   # index 7, no flag change
            1c00 1280                               # IFLA_LINKINFO 28 B
              0a00 0100 7678 6c61 6e00 0000         #   "vxlan"
              0c00 0280                             #   IFLA_INFO_DATA 12 B
                0500 0700 00 000000                 #     LEARNING 0
            """))
        // The vxlan driver refuses IFLA_MTU next to its IFLA_INFO_DATA: a request of its own.
        expectBytes(messages[1], hex("""
            28000000 1000 0500 01000000 00000000    # len 40, seq 1
            00 00 0000 07000000 01000000 01000000   # index 7, IFF_UP / IFF_UP
            0800 0400 aa050000                      # IFLA_MTU 1450
            """))
        var mtuOnly = Self.vxlan
        mtuOnly.mtu = 1400
        expectBytes(try encode(.modifyLink(old: Self.vxlan, new: mtuOnly))[0], hex("""
            28000000 1000 0500 00000000 00000000    # len 40
            00 00 0000 07000000 00000000 00000000   # index 7, no flag change
            0800 0400 78050000                      # IFLA_MTU 1400
            """))
        #expect(try encode(.modifyLink(old: Self.vxlan, new: Self.vxlan)).isEmpty)
    }

    @Test func deleteAndRecreateLink() throws {
        let delete = hex("""
            20000000 1100 0500 00000000 00000000    # len 32, RTM_DELLINK, REQUEST|ACK
            00 00 0000 07000000 00000000 00000000   # index 7
            """)
        expectBytes(try encode(.deleteLink(Self.vxlan))[0], delete)
        var old = Self.vxlan
        old.vni = 2
        let recreate = try encode(.recreateLink(old: old, new: Self.vxlan), firstSequence: 40)
        try #require(recreate.count == 3)
        var stamped = delete
        stamped[8] = 40
        expectBytes(recreate[0], stamped)
        #expect(recreate[1][4] == 16 && recreate[1][8] == 41, "then RTM_NEWLINK with the next sequence")
        #expect(recreate[2][8] == 42)
    }

    @Test func addressReplaceAndDelete() throws {
        let address = DeviceAddress(device: "flannel.1", address: InterfaceAddress(address: IPv4Address(10, 244, 0, 0), length: 32))
        expectBytes(try encode(.address(.create(address)))[0], hex("""
            28000000 1400 0505 00000000 00000000    # len 40, RTM_NEWADDR, REQUEST|ACK|REPLACE|CREATE
            02 20 00 00 07000000                    # ifaddrmsg: AF_INET, /32, flags 0, scope global, index 7
            0800 0200 0af40000                      # IFA_LOCAL 10.244.0.0
            0800 0100 0af40000                      # IFA_ADDRESS 10.244.0.0
            """))
        expectBytes(try encode(.address(.delete(address)))[0], hex("""
            28000000 1500 0500 00000000 00000000    # RTM_DELADDR, REQUEST|ACK
            02 20 00 00 07000000
            0800 0200 0af40000
            0800 0100 0af40000
            """))
    }

    @Test func fdbReplaceAndDelete() throws {
        let entry = FdbEntry(device: "flannel.1", mac: Self.peerMAC, destination: .v4(IPv4Address(172, 22, 1, 176)))
        expectBytes(try encode(.fdb(.create(entry)))[0], hex("""
            30000000 1c00 0505 00000000 00000000    # len 48, RTM_NEWNEIGH, REQUEST|ACK|REPLACE|CREATE
            07 00 0000 07000000 8000 02 00          # ndmsg: AF_BRIDGE, ifindex 7, NUD_PERMANENT, NTF_SELF
            0a00 0200 0e4c8b100101 0000             # NDA_LLADDR
            0800 0100 ac1601b0                      # NDA_DST 172.22.1.176
            """))
        expectBytes(try encode(.fdb(.delete(entry)))[0], hex("""
            30000000 1d00 0500 00000000 00000000    # RTM_DELNEIGH, REQUEST|ACK
            07 00 0000 07000000 8000 02 00
            0a00 0200 0e4c8b100101 0000
            0800 0100 ac1601b0
            """))
    }

    @Test func neighborReplaceAndDelete() throws {
        let neighbor = Neighbor(key: .init(device: "flannel.1", ip: IPv4Address(10, 244, 1, 0)), lladdr: Self.peerMAC)
        expectBytes(try encode(.neighbor(.replace(old: neighbor, new: neighbor)))[0], hex("""
            30000000 1c00 0505 00000000 00000000    # RTM_NEWNEIGH, REQUEST|ACK|REPLACE|CREATE
            02 00 0000 07000000 8000 00 00          # ndmsg: AF_INET, ifindex 7, NUD_PERMANENT
            0800 0100 0af40100                      # NDA_DST 10.244.1.0
            0a00 0200 0e4c8b100101 0000             # NDA_LLADDR
            """))
        expectBytes(try encode(.neighbor(.delete(neighbor)))[0], hex("""
            24000000 1d00 0500 00000000 00000000    # len 36, RTM_DELNEIGH
            02 00 0000 07000000 0000 00 00
            0800 0100 0af40100                      # NDA_DST
            """))
    }

    @Test func routeCreateAndReplaceAreTheSameOneRequest() throws {
        let route = Route(
            key: .init(destination: IPv4Prefix("10.244.1.0/24")!), gateway: .v4(IPv4Address(10, 244, 1, 0)),
            device: "flannel.1", onLink: true
        )
        let expected = hex("""
            34000000 1800 0505 00000000 00000000    # len 52, RTM_NEWROUTE, REQUEST|ACK|REPLACE|CREATE
            02 18 00 00 fe 03 00 01 04000000        # rtmsg: AF_INET, /24, tos 0, main, boot, universe, unicast, ONLINK
            0800 0100 0af40100                      # RTA_DST 10.244.1.0
            0800 0500 0af40100                      # RTA_GATEWAY 10.244.1.0
            0800 0400 07000000                      # RTA_OIF 7
            """)
        expectBytes(try encode(.route(.create(route)))[0], expected)
        var old = route
        old.gateway = .v4(IPv4Address(10, 244, 9, 0))
        expectBytes(try encode(.route(.replace(old: old, new: route)))[0], expected)
    }

    @Test func routeInALargeTableWithMetricAndItsDelete() throws {
        let route = Route(
            key: .init(table: RouteTable(rawValue: 1000), destination: IPv4Prefix("10.244.1.0/24")!, metric: 100),
            gateway: .v4(IPv4Address(172, 22, 1, 176)), device: "eth0", scope: .universe, proto: .static,
            preferredSource: .v4(IPv4Address(172, 22, 0, 239))
        )
        expectBytes(try encode(.route(.create(route)))[0], hex("""
            4c000000 1800 0505 00000000 00000000    # len 76
            02 18 00 00 00 04 00 01 00000000        # table RT_TABLE_UNSPEC (in RTA_TABLE), static, no flags
            0800 0f00 e8030000                      # RTA_TABLE 1000
            0800 0100 0af40100                      # RTA_DST
            0800 0600 64000000                      # RTA_PRIORITY 100
            0800 0700 ac1600ef                      # RTA_PREFSRC 172.22.0.239
            0800 0500 ac1601b0                      # RTA_GATEWAY 172.22.1.176
            0800 0400 02000000                      # RTA_OIF 2
            """))
        expectBytes(try encode(.route(.delete(route)))[0], hex("""
            44000000 1900 0500 00000000 00000000    # len 68, RTM_DELROUTE, REQUEST|ACK
            02 18 00 00 00 04 ff 01 00000000        # scope RT_SCOPE_NOWHERE: any scope
            0800 0f00 e8030000
            0800 0100 0af40100
            0800 0600 64000000
            0800 0500 ac1601b0
            0800 0400 02000000
            """))
    }

    @Test func missingDevicesAndTablesAreNamedErrors() {
        let route = Route(key: .init(destination: IPv4Prefix("10.244.1.0/24")!), gateway: .v4(IPv4Address(10, 244, 1, 0)), device: "flannel.2")
        #expect(throws: ChangeEncodingError(change: .route(.create(route)), reason: .unknownDevice("flannel.2"))) {
            try ChangeEncoder.messages(for: .route(.create(route)), indices: Self.indices)
        }
        var link = Self.vxlan
        link.underlay = "eth7"
        #expect(throws: ChangeEncodingError(change: .createLink(link), reason: .unknownDevice("eth7"))) {
            try ChangeEncoder.messages(for: .createLink(link), indices: Self.indices)
        }
        let table = NftTable(key: NftTable.flannelKey, chains: [])
        #expect(throws: ChangeEncodingError(change: .table(.delete(table)), reason: .notRtnetlink)) {
            try ChangeEncoder.messages(for: .table(.delete(table)), indices: Self.indices)
        }
    }
}
