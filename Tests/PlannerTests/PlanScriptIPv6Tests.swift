import NetState
import Planner
import Testing

/// `-o script` for IPv6 objects: `ip -6` for routes, neighbours and addresses, `bridge fdb`
/// with an IPv6 `dst`, `ip link add … local <IPv6>`, in iproute2's words (the kernel tests run
/// such a script and compare what it made with what the executor makes).
@Suite struct PlanScriptIPv6Tests {
    static let s6 = IPv6Address(0xfd00, 0x10, 0x244, 2, 0, 0, 0, 0)
    static let p6 = IPv6Address(0xfd00, 0x22, 0, 0, 0, 0, 0, 0x12)
    static let mac = MACAddress("0e:4c:8b:10:00:62")!

    @Test func ipv6ObjectsSayIp6() {
        let route = Route(
            key: Route.Key(destination: IPv6Prefix(address: Self.s6, length: 64), metric: 1024), gateway: .v6(Self.s6),
            device: "flannel-v6.1", onLink: true
        )
        #expect(PlanScript.commands(for: .route(.create(route))) == [
            "ip -6 route replace fd00:10:244:2::/64 via fd00:10:244:2:: dev flannel-v6.1 metric 1024 onlink",
        ])
        #expect(PlanScript.commands(for: .route(.delete(route))) == [
            "ip -6 route del fd00:10:244:2::/64 via fd00:10:244:2:: dev flannel-v6.1 metric 1024 onlink",
        ])
        let neighbor = Neighbor(key: Neighbor.Key(device: "flannel-v6.1", ip: .v6(Self.s6)), lladdr: Self.mac)
        #expect(PlanScript.commands(for: .neighbor(.create(neighbor))) == [
            "ip -6 neigh replace fd00:10:244:2:: lladdr 0e:4c:8b:10:00:62 dev flannel-v6.1 nud permanent",
        ])
        #expect(PlanScript.commands(for: .neighbor(.delete(neighbor))) == ["ip -6 neigh del fd00:10:244:2:: dev flannel-v6.1"])
        let entry = FdbEntry(device: "flannel-v6.1", mac: Self.mac, destination: .v6(Self.p6))
        #expect(PlanScript.commands(for: .fdb(.create(entry))) == [
            "bridge fdb replace 0e:4c:8b:10:00:62 dev flannel-v6.1 dst fd00:22::12 self permanent",
        ])
        let address = DeviceAddress(
            device: "flannel-v6.1", address: InterfaceAddress(address: .v6(IPv6Address(0xfd00, 0x10, 0x244, 1, 0, 0, 0, 0)), length: 128)
        )
        #expect(PlanScript.commands(for: .address(.create(address))) == ["ip -6 addr replace fd00:10:244:1::/128 dev flannel-v6.1"])
        #expect(PlanScript.commands(for: .address(.delete(address))) == ["ip -6 addr del fd00:10:244:1::/128 dev flannel-v6.1"])
        let link = VxlanLink(
            name: "flannel-v6.1", vni: 1, local: .v6(IPv6Address(0xfd00, 0x22, 0, 0, 0, 0, 0, 0x11)), underlay: "eth0",
            mtu: 1430, mac: MACAddress("0e:4c:8b:10:00:61"), txQueueLength: 0, acceptRA: 0
        )
        #expect(PlanScript.commands(for: .createLink(link)) == [
            "ip link add flannel-v6.1 address 0e:4c:8b:10:00:61 mtu 1430 txqueuelen 0 type vxlan id 1 local fd00:22::11 dev eth0 dstport 8472 nolearning",
            "sysctl -w net.ipv6.conf.flannel-v6/1.accept_ra=0",
            "ip link set flannel-v6.1 up",
        ])
    }

    /// IPv4 commands keep their words (no `-4`).
    @Test func ipv4ObjectsAreUnchanged() {
        let route = Route(
            key: Route.Key(destination: IPv4Prefix("10.244.1.0/24")!), gateway: .v4(IPv4Address(10, 244, 1, 0)), device: "flannel.1",
            onLink: true
        )
        #expect(PlanScript.commands(for: .route(.create(route))) == ["ip route replace 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink"])
    }
}
