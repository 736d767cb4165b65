import NetState
import Planner
import Testing

@Suite struct PlannerTests {
    @Test func convergedStateGivesAnEmptyPlan() {
        let desired = PF.state(vxlan: [2, 3], hostGW: [4])
        #expect(PF.plan(desired, desired).isEmpty)
        let plan = PF.plan(desired, desired.merging(PF.foreign))
        #expect(plan.isEmpty, "foreign objects are not the plan's business")
        #expect(plan.conflicts.isEmpty)
        #expect(PF.plan(NetworkState(), NetworkState()).isEmpty)
        #expect(PF.plan(NetworkState(), PF.foreign).isEmpty)
    }

    @Test func createFromEmptyInMakeBeforeBreakOrder() {
        let desired = PF.state(vxlan: [3, 2], hostGW: [4])
        let plan = PF.plan(desired, PF.foreign)
        #expect(plan.changes.map(\.kind) == ["link", "addr", "fdb", "fdb", "neigh", "neigh", "route", "route", "route", "nft"])
        #expect(plan.changes.allSatisfy { $0.action == .create })
        #expect(plan.changes == [
            .createLink(PF.link()),
            .address(.create(DeviceAddress(device: PF.device, address: InterfaceAddress(address: PF.ownSubnet.address, length: 32)))),
            .fdb(.create(PF.fdb(2))), .fdb(.create(PF.fdb(3))),
            .neighbor(.create(PF.neighbor(2))), .neighbor(.create(PF.neighbor(3))),
            .route(.create(PF.vxlanRoute(2))), .route(.create(PF.vxlanRoute(3))), .route(.create(PF.directRoute(4))),
            .table(.create(PF.table())),
        ])
        #expect(plan.summaryLine == "Plan: 10 to add, 0 to change, 0 to destroy.")
    }

    @Test func vxlanToHostGWReplacesRoutesInPlaceThenCleansUp() {
        let observed = PF.state(vxlan: [2, 3, 5]).merging(PF.foreign)
        let desired = PF.state(hostGW: [2, 3], link: nil)
        let plan = PF.plan(desired, observed)
        #expect(plan.changes == [
            .route(.replace(old: PF.vxlanRoute(2), new: PF.directRoute(2))),
            .route(.replace(old: PF.vxlanRoute(3), new: PF.directRoute(3))),
            .route(.delete(PF.vxlanRoute(5))),
            .neighbor(.delete(PF.neighbor(2))), .neighbor(.delete(PF.neighbor(3))), .neighbor(.delete(PF.neighbor(5))),
            .fdb(.delete(PF.fdb(2))), .fdb(.delete(PF.fdb(3))), .fdb(.delete(PF.fdb(5))),
            .deleteLink(PF.link()),
        ])
        // The device's address goes with the device: no separate delete.
        #expect(!plan.changes.contains { $0.kind == "addr" })
        #expect(plan.summary == (add: 0, change: 2, destroy: 8))
    }

    @Test func hostGWNodeKeepsItsDeviceForPeersStillOnVxlan() {
        let observed = PF.state(vxlan: [2, 3])
        let desired = PF.state(vxlan: [3], hostGW: [2], link: PF.link(mac: nil))
        let plan = PF.plan(desired, observed)
        #expect(plan.changes == [
            .route(.replace(old: PF.vxlanRoute(2), new: PF.directRoute(2))),
            .neighbor(.delete(PF.neighbor(2))),
            .fdb(.delete(PF.fdb(2))),
        ])
    }

    @Test func stalePeerIsRemovedRouteFirst() {
        let observed = PF.state(vxlan: [2, 7])
        let plan = PF.plan(PF.state(vxlan: [2]), observed)
        #expect(plan.changes == [.route(.delete(PF.vxlanRoute(7))), .neighbor(.delete(PF.neighbor(7))), .fdb(.delete(PF.fdb(7)))])
    }

    @Test func vtepMACChangeCreatesNewFdbReplacesNeighbourDeletesOldFdb() {
        let newMAC = MACAddress(0x0200_0000_00aa)
        let observed = PF.state(vxlan: [2, 3])
        var desired = PF.state(vxlan: [3])
        desired.neighbors[PF.neighbor(2).key] = PF.neighbor(2, mac: newMAC)
        desired.fdb[FdbEntry.Key(device: PF.device, mac: newMAC)] = PF.fdb(2, mac: newMAC)
        desired.routes[PF.routeKey(2)] = PF.vxlanRoute(2)
        let plan = PF.plan(desired, observed)
        #expect(plan.changes == [
            .fdb(.create(PF.fdb(2, mac: newMAC))),
            .neighbor(.replace(old: PF.neighbor(2), new: PF.neighbor(2, mac: newMAC))),
            .fdb(.delete(PF.fdb(2))),
        ])
    }

    @Test func publicIPChangeIsOneFdbReplace() {
        let desired = PF.state(vxlan: [2])
        var observed = desired
        observed.fdb[PF.fdb(2).key] = PF.fdb(2, dst: IPv4Address(10, 0, 5, 20))
        #expect(PF.plan(desired, observed).changes == [.fdb(.replace(old: PF.fdb(2, dst: IPv4Address(10, 0, 5, 20)), new: PF.fdb(2)))])
    }

    static let incompatible: [(String, @Sendable (inout VxlanLink) -> Void)] = [
        ("vni", { $0.vni = 2 }),
        ("local", { $0.local = .v4(IPv4Address(192, 168, 1, 99)) }),
        ("dev", { $0.underlay = "eth1" }),
        ("port", { $0.port = 4789 }),
        ("mac", { $0.mac = MACAddress(0x0200_0000_00ff) }),
        ("gbp", { $0.gbp = true }),
    ]

    @Test(arguments: 0..<6)
    func incompatibleDeviceIsRecreatedWithEverythingOnIt(index: Int) {
        let (name, mutate) = Self.incompatible[index]
        let desired = PF.state(vxlan: [2, 3], hostGW: [4])
        var observed = desired.merging(PF.foreign)
        var old = PF.link()
        mutate(&old)
        observed.vxlan = old
        let plan = PF.plan(desired, observed)
        #expect(plan.changes == [
            .recreateLink(old: old, new: PF.link()),
            .address(.create(DeviceAddress(device: PF.device, address: InterfaceAddress(address: PF.ownSubnet.address, length: 32)))),
            .fdb(.create(PF.fdb(2))), .fdb(.create(PF.fdb(3))),
            .neighbor(.create(PF.neighbor(2))), .neighbor(.create(PF.neighbor(3))),
            .route(.create(PF.vxlanRoute(2))), .route(.create(PF.vxlanRoute(3))),
        ], "\(name)")
        #expect(plan.summary == (add: 8, change: 0, destroy: 1), "a re-creation is one add and one destroy")
        #expect(plan.changes.first?.description.contains("forces re-creation") == true)
    }

    @Test func recreateDoesNotDeleteWhatTheDeviceTakesWithIt() {
        var observed = PF.state(vxlan: [2, 7])
        observed.vxlan?.port = 4789
        let plan = PF.plan(PF.state(vxlan: [2]), observed)
        #expect(!plan.changes.contains { $0.action == .delete }, "peer 7's entries vanish with the old device")
        #expect(plan.changes.count == 1 + 1 + 3)
    }

    @Test func mtuLearningAndUpAreModifiedInPlace() {
        let desired = PF.state(vxlan: [2])
        var observed = desired
        observed.vxlan?.mtu = 1500
        observed.vxlan?.learning = true
        observed.vxlan?.up = false
        let plan = PF.plan(desired, observed)
        #expect(plan.changes == [.modifyLink(old: observed.vxlan ?? PF.link(), new: PF.link())])
        #expect(plan.summary == (add: 0, change: 1, destroy: 0))
        // Separate commands: the vxlan driver refuses an MTU beside its own attributes.
        #expect(PlanScript.commands(for: plan.changes[0]) == [
            "ip link set flannel.1 type vxlan nolearning", "ip link set flannel.1 mtu 1450", "ip link set flannel.1 up",
        ])
    }

    @Test func aDesiredDeviceWithoutMACKeepsTheMACItHas() {
        let desired = PF.state(vxlan: [2], link: PF.link(mac: nil))
        var observed = PF.state(vxlan: [2], link: PF.link(mac: MACAddress(0x0277_7777_7777)))
        #expect(PF.plan(desired, observed).isEmpty)
        observed.vxlan?.mtu = 1400
        let plan = PF.plan(desired, observed)
        guard case let .modifyLink(_, new)? = plan.changes.first else {
            Issue.record("expected a modify, got \(plan.changes)")
            return
        }
        #expect(new.mac == MACAddress(0x0277_7777_7777))
        #expect(new.mtu == 1450)
    }

    @Test func addressDifferencesOnAKeptDevice() {
        let desired = PF.state(vxlan: [2])
        var observed = desired
        let stray = InterfaceAddress(address: IPv4Address(10, 244, 99, 0), length: 32)
        observed.vxlan?.addresses = [stray]
        let plan = PF.plan(desired, observed)
        #expect(plan.changes == [
            .address(.create(DeviceAddress(device: PF.device, address: InterfaceAddress(address: PF.ownSubnet.address, length: 32)))),
            .address(.delete(DeviceAddress(device: PF.device, address: stray))),
        ])
    }

    @Test func foreignRouteOnADesiredKeyIsAConflictNotAChange() {
        let desired = PF.state(vxlan: [2, 3])
        var observed = desired
        let blackhole = Route(key: PF.routeKey(2), type: .blackhole)
        let connected = Route(key: PF.routeKey(3), device: "eth1", scope: .link, proto: .kernel)
        observed.routes[blackhole.key] = blackhole
        observed.routes[connected.key] = connected
        let plan = PF.plan(desired, observed)
        #expect(plan.isEmpty)
        #expect(plan.conflicts.count == 2)
        #expect(plan.conflicts.first?.contains("blackhole 10.244.2.0/24") == true)
        #expect(plan.conflicts.last?.contains("10.244.3.0/24 dev eth1 proto kernel scope link") == true)
        #expect(PlanText.render(plan).hasPrefix("! 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink is not created"))
    }

    @Test func learntNeighbourOnS0IsReplacedByThePermanentOne() {
        let desired = PF.state(vxlan: [2])
        var observed = desired
        let learnt = Neighbor(key: PF.neighbor(2).key, lladdr: nil, state: .incomplete)
        observed.neighbors[learnt.key] = learnt
        let plan = PF.plan(desired, observed)
        #expect(plan.changes == [.neighbor(.replace(old: learnt, new: PF.neighbor(2)))])
        #expect(plan.conflicts.isEmpty)
    }

    @Test func bridgeFdbEntryOnADesiredKeyIsReplaced() {
        let desired = PF.state(vxlan: [2])
        var observed = desired
        let learnt = FdbEntry(key: PF.fdb(2).key, destination: .v4(PF.publicIP(2)), isSelf: false, state: .reachable)
        observed.fdb[learnt.key] = learnt
        #expect(PF.plan(desired, observed).changes == [.fdb(.replace(old: learnt, new: PF.fdb(2)))])
    }

    @Test func tables() {
        let desired = PF.state(vxlan: [2])
        var observed = desired
        observed.tables[NftTable.flannelKey] = PF.table(masquerade: false)
        #expect(PF.plan(desired, observed).changes == [.table(.replace(old: PF.table(masquerade: false), new: PF.table()))])
        observed.tables = [:]
        #expect(PF.plan(desired, observed).changes == [.table(.create(PF.table()))])
        let withoutTable = PF.state(vxlan: [2], table: nil)
        #expect(PF.plan(withoutTable, desired.merging(PF.foreign)).changes == [.table(.delete(PF.table()))])
    }

    @Test func stepsAreSortedByKey() {
        let desired = PF.state(vxlan: [9, 3, 5], hostGW: [7, 2])
        let plan = PF.plan(desired, NetworkState())
        let routes = plan.changes.compactMap { if case let .route(verb) = $0 { verb.after?.key } else { nil } }
        #expect(routes == routes.sorted())
        #expect(routes.map { $0.destination.address.bytes[2] } == [2, 3, 5, 7, 9])
        let stale = PF.plan(PF.state(table: nil), PF.state(vxlan: [9, 3, 5], hostGW: [7, 2]))
        let deleted = stale.changes.compactMap { if case let .route(.delete(route)) = $0 { route.key } else { nil } }
        #expect(deleted == deleted.sorted() && deleted.count == 5)
        let macs = stale.changes.compactMap { if case let .fdb(.delete(entry)) = $0 { entry.key.mac } else { nil } }
        #expect(macs == macs.sorted() && macs.count == 3)
    }

    @Test func summaryCounts() {
        var observed = PF.state(vxlan: [2, 5], hostGW: [3])
        observed.vxlan?.vni = 9
        observed.tables[NftTable.flannelKey] = PF.table(masquerade: false)
        let desired = PF.state(vxlan: [2], hostGW: [3, 4])
        let plan = PF.plan(desired, observed)
        // recreate (1 add, 1 destroy), addr, fdb, neigh, vxlan route 2, host-gw route 4 created;
        // table replaced; peer 5 disappears with the old device.
        #expect(plan.summary == (add: 6, change: 1, destroy: 1))
        #expect(plan.summaryLine == "Plan: 6 to add, 1 to change, 1 to destroy.")
    }
}
