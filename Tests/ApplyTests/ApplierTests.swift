import Apply
import CMnl
import Foundation
import NetState
import Netlink
import Planner
import Testing

/// Records the nf_tables batches it is given; fails with `error` when set.
final class RecordingNftApplier: NftApplying {
    var batches: [NftBatch] = []
    var error: NetlinkError?

    func apply(_ batch: NftBatch) throws(NetlinkError) {
        if let error { throw error }
        batches.append(batch)
    }
}

/// The executor against a scripted kernel: order, batching, ACK matching, and what a failure
/// leaves applied, failed and untouched.
@Suite struct ApplierTests {
    static let device = "flannel.1"
    static let ownership = Ownership(
        cluster: IPv4Prefix("10.0.0.0/8")!, ownSubnet: IPv4Prefix("10.244.0.0/24")!, vxlanDevice: device, underlay: "eth0", subnetLengths: [24]
    )
    static let link = VxlanLink(
        name: device, vni: 1, local: .v4(IPv4Address(172, 22, 0, 239)), underlay: "eth0", mtu: 1450,
        mac: MACAddress("0e:4c:8b:10:00:01"), addresses: [InterfaceAddress(address: IPv4Address(10, 244, 0, 0), length: 32)]
    )

    static func route(_ third: UInt8, device: String = device) -> Route {
        Route(
            key: .init(destination: IPv4Prefix(address: IPv4Address(10, 244, third, 0), length: 24)),
            gateway: .v4(IPv4Address(10, 244, third, 0)), device: device, onLink: true
        )
    }

    static func peerMAC(_ third: UInt8) -> MACAddress { MACAddress(0x0e4c_8b10_0001 | UInt64(third) << 8) }

    static let table = NftTable(
        key: NftTable.flannelKey, comment: "rules for flannel-ipv4",
        chains: [NftChain(
            name: "forward", hook: .init(type: "filter", hook: "forward", priority: 0),
            rules: [NftRule([.sourceAddress(IPv4Prefix("10.244.0.0/16")!, negated: false)], .accept)]
        )]
    )

    /// Every change in these tests is one the ownership rule grants (ApplierOwnershipTests has
    /// the refusals), so the executor gets to send them.
    static func plan(_ changes: [Change], ownership: Ownership = ownership) -> Plan {
        Plan(changes: changes, fingerprint: "0", ownership: ownership)
    }

    /// A whole node: the device, its address, five peers, a stale route, the table.
    static var nodePlan: Plan {
        var changes: [Change] = [
            .createLink(link),
            .address(.create(DeviceAddress(device: device, address: link.addresses[0]))),
        ]
        let peers: [UInt8] = [1, 2, 3, 4, 5]
        changes += peers.map { .fdb(.create(FdbEntry(device: device, mac: peerMAC($0), destination: .v4(IPv4Address(172, 22, 0, $0))))) }
        changes += peers.map {
            .neighbor(.create(Neighbor(key: .init(device: device, ip: IPv4Address(10, 244, $0, 0)), lladdr: peerMAC($0))))
        }
        changes += peers.map { .route(.create(route($0))) }
        changes.append(.route(.delete(route(9, device: "eth0"))))
        changes.append(.table(.create(table)))
        return plan(changes)
    }

    @Test func appliesInPlanOrderLinkAloneThenOneBatchThenTheTable() throws {
        let kernel = FakeRouteKernel()
        let tables = RecordingNftApplier()
        let plan = Self.nodePlan
        let report = Applier().apply(plan, using: kernel, tables: tables)

        #expect(report.isComplete)
        #expect(report.failure == nil)
        #expect(report.applied == plan.changes)
        #expect(report.alreadyConverged.isEmpty && report.notAttempted.isEmpty && report.appliedAfterFailure.isEmpty)
        // Create and up, each alone; then the 17 other rtnetlink changes in one sendmsg.
        let sends = kernel.changeSends
        #expect(sends.map(\.count) == [1, 1, 17])
        #expect(report.requestBatches == 4, "3 rtnetlink sendmsg calls and one nf_tables batch")
        // Indices were read before the link and again after it.
        #expect(kernel.sends.filter { $0.first?.type == UInt16(RTM_GETLINK) }.count == 2)
        // The requests ran in plan order, with the new device's index (100) in them.
        let types = kernel.handled.map { NetlinkMessageType.name($0.type) }
        #expect(types == ["RTM_NEWLINK", "RTM_NEWLINK", "RTM_NEWADDR"] + Array(repeating: "RTM_NEWNEIGH", count: 10)
            + Array(repeating: "RTM_NEWROUTE", count: 5) + ["RTM_DELROUTE"])
        #expect(FakeRouteKernel.uint32(kernel.handled[2].payload, at: 4) == 100, "ifa_index of the new device")
        #expect(kernel.handled[13...17].map { FakeRouteKernel.routeOutputIndex($0) } == Array(repeating: 100, count: 5))
        #expect(FakeRouteKernel.routeOutputIndex(kernel.handled[18]) == 2, "the stale route left through eth0")
        // Every request had its own sequence number.
        #expect(Set(kernel.handled.map(\.sequence)).count == kernel.handled.count)
        #expect(tables.batches == [try NftEncoder.replace(Self.table)])
    }

    @Test func aFailureInTheMiddleStopsFurtherBatchesAndReportsWhatItsBatchDid() throws {
        let kernel = FakeRouteKernel(devices: ["lo": 1, "eth0": 2, "flannel.1": 7])
        kernel.answer = { message in
            FakeRouteKernel.routeDestination(message) == "10.244.5.0" ? (EINVAL, "Nexthop has invalid gateway") : (0, nil)
        }
        let routes = (1...10).map { Change.route(.create(Self.route(UInt8($0)))) }
        let report = Applier(maxBatchMessages: 4).apply(Self.plan(routes), using: kernel)

        #expect(report.applied == Array(routes[0..<4]))
        let failure = try #require(report.failure)
        #expect(failure.change == routes[4])
        #expect(failure.error.errno == EINVAL)
        #expect(failure.error.extendedAck == "Nexthop has invalid gateway")
        #expect(failure.error.description.contains("RTM_NEWROUTE 10.244.5.0/24 via 10.244.5.0 dev flannel.1 onlink"))
        // The kernel ran the rest of that sendmsg anyway: reported, not hidden.
        #expect(report.appliedAfterFailure == Array(routes[5..<8]))
        #expect(report.failedAfterFailure.isEmpty)
        #expect(report.notAttempted == Array(routes[8..<10]))
        #expect(kernel.changeSends.map(\.count) == [4, 4], "no batch after the failed one")
        #expect(kernel.handled.count == 8)
        #expect(!report.isComplete)
    }

    @Test func alreadyConvergedAnswersAreRecordedNotFailed() throws {
        // flannel.1 exists already, so the kernel refuses to create it (EEXIST).
        let kernel = FakeRouteKernel(devices: ["lo": 1, "eth0": 2, "flannel.1": 7])
        kernel.answer = { message in
            switch Int(message.type) {
            case RTM_NEWLINK where Int32(message.flags) & NLM_F_EXCL != 0: (EEXIST, "File exists")
            case RTM_DELROUTE: (ESRCH, nil)
            case RTM_DELADDR: (EADDRNOTAVAIL, nil)
            default: (0, nil)
            }
        }
        let address = DeviceAddress(device: Self.device, address: InterfaceAddress(address: IPv4Address(10, 244, 0, 1), length: 32))
        let changes: [Change] = [
            .createLink(Self.link), .route(.create(Self.route(1))), .route(.delete(Self.route(2, device: "eth0"))),
            .address(.delete(address)),
        ]
        let report = Applier().apply(Self.plan(changes), using: kernel)
        #expect(report.isComplete)
        #expect(report.applied == changes)
        #expect(report.alreadyConverged == [changes[0], changes[2], changes[3]])
        // The device the EEXIST create found was still set up.
        #expect(kernel.handled.map { NetlinkMessageType.name($0.type) }
            == ["RTM_NEWLINK", "RTM_NEWLINK", "RTM_NEWROUTE", "RTM_DELROUTE", "RTM_DELADDR"])

        // A neighbour whose device is gone went with it: already so, at no request.
        let withoutDevice = FakeRouteKernel()
        let gone = Neighbor(key: .init(device: Self.device, ip: IPv4Address(10, 244, 9, 0)), lladdr: Self.peerMAC(9))
        let goneReport = Applier().apply(Self.plan([.neighbor(.delete(gone))]), using: withoutDevice)
        #expect(goneReport.isComplete)
        #expect(goneReport.alreadyConverged == [.neighbor(.delete(gone))])
        #expect(withoutDevice.handled.isEmpty)
    }

    @Test func aRefusedDeviceStopsBeforeAnythingElse() throws {
        let kernel = FakeRouteKernel()
        kernel.answer = { message in message.type == UInt16(RTM_NEWLINK) ? (EPERM, nil) : (0, nil) }
        let plan = Self.nodePlan
        let tables = RecordingNftApplier()
        let report = Applier().apply(plan, using: kernel, tables: tables)
        #expect(report.applied.isEmpty)
        #expect(report.failure?.change == plan.changes[0])
        #expect(report.failure?.error.errno == EPERM)
        #expect(report.notAttempted == Array(plan.changes.dropFirst()))
        #expect(kernel.handled.count == 1, "not even the up request")
        #expect(tables.batches.isEmpty)
    }

    @Test func aRecreationThatFailsAfterTheDeleteSaysTheDeviceIsGone() throws {
        let kernel = FakeRouteKernel(devices: ["lo": 1, "eth0": 2, "flannel.1": 7])
        kernel.answer = { message in
            Int(message.type) == RTM_NEWLINK && Int32(message.flags) & NLM_F_CREATE != 0 ? (EINVAL, "VNI out of range") : (0, nil)
        }
        var old = Self.link
        old.vni = 2
        let changes: [Change] = [.recreateLink(old: old, new: Self.link), .route(.create(Self.route(1)))]
        let report = Applier().apply(Self.plan(changes), using: kernel)
        #expect(report.applied.isEmpty)
        #expect(report.failure?.change == changes[0])
        #expect(report.failure?.error.extendedAck == "VNI out of range")
        #expect(report.failure?.error.detail?.contains("after RTM_DELLINK flannel.1 succeeded") == true)
        #expect(report.notAttempted == [changes[1]])
        #expect(kernel.handled.map { NetlinkMessageType.name($0.type) } == ["RTM_DELLINK", "RTM_NEWLINK"])
    }

    @Test func aChangeNamingAMissingDeviceEndsTheRunAfterWhatComesBefore() throws {
        // flannel.1 is missing (deleted behind the plan's back).
        let kernel = FakeRouteKernel(devices: ["lo": 1, "eth0": 2])
        let changes: [Change] = [
            .route(.create(Self.route(1, device: "eth0"))), .route(.create(Self.route(2, device: "eth0"))),
            .route(.create(Self.route(3))), .route(.create(Self.route(4, device: "eth0"))),
        ]
        let report = Applier().apply(Self.plan(changes), using: kernel)
        #expect(report.applied == Array(changes[0..<2]))
        #expect(report.failure?.change == changes[2])
        #expect(report.failure?.error.errno == ENODEV)
        #expect(report.failure?.error.description.contains("flannel.1") == true)
        #expect(report.notAttempted == [changes[3]])
        #expect(kernel.handled.count == 2)
    }

    @Test func tablesWithoutAnApplierAreUnsupportedAndAFailingTableIsTheFailure() throws {
        let kernel = FakeRouteKernel(devices: ["lo": 1, "eth0": 2, "flannel.1": 7])
        let changes: [Change] = [.route(.create(Self.route(1))), .table(.create(Self.table))]
        let skipped = Applier().apply(Self.plan(changes), using: kernel)
        #expect(skipped.applied == [changes[0]])
        #expect(skipped.failure == nil)
        #expect(skipped.unsupported == [changes[1]])
        #expect(!skipped.isComplete)

        let tables = RecordingNftApplier()
        tables.error = NetlinkError(.request("NFT_MSG_NEWCHAIN ip flannel-ipv4 chain forward"), errno: EOPNOTSUPP)
        let refused = Applier().apply(Self.plan(changes), using: kernel, tables: tables)
        #expect(refused.applied == [changes[0]])
        #expect(refused.failure?.change == changes[1])
        #expect(refused.failure?.error.errno == EOPNOTSUPP)
    }

    @Test func aLargePlanGoesInFewBatchesWithEveryAckMatched() throws {
        let kernel = FakeRouteKernel(devices: ["lo": 1, "eth0": 2, "flannel.1": 7])
        let changes = (0..<5000).map { index in
            Change.route(.create(Route(
                key: .init(destination: IPv4Prefix(address: IPv4Address(10, 100 + UInt8(index / 256), UInt8(index % 256), 0), length: 24)),
                gateway: .v4(IPv4Address(172, 22, 0, 1)), device: "eth0"
            )))
        }
        // A cluster wide enough for 5,000 leases of /24.
        var wide = Self.ownership
        wide.ipv4?.cluster = IPPrefix("10.64.0.0/10")!
        let report = Applier().apply(Plan(changes: changes, fingerprint: "0", ownership: wide), using: kernel)
        #expect(report.isComplete)
        #expect(report.applied.count == 5000)
        // 5,000 requests of 52 bytes: 64 KiB batches of 1,024 requests at most.
        #expect(kernel.changeSends.count == 5)
        #expect(kernel.changeSends.allSatisfy { $0.count <= 1024 })
        #expect(report.requestBatches == 5)
    }
}

@Suite struct PrivilegeTests {
    static let status = """
        Name:\tswift-test
        Umask:\t0022
        State:\tR (running)
        CapInh:\t0000000000000000
        CapPrm:\t000001ffffffffff
        CapEff:\t%@
        CapBnd:\t000001ffffffffff
        """

    func write(_ capEff: String) throws -> String {
        let path = NSTemporaryDirectory() + "apply-status-\(getpid())-\(UUID().uuidString)"
        try Self.status.replacingOccurrences(of: "%@", with: capEff).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func netAdminInTheEffectiveSetPasses() throws {
        let path = try write("0000000000001000")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Applier.checkPrivileges(statusPath: path)
    }

    @Test func withoutNetAdminItThrowsAndSaysWhat() throws {
        let path = try write("0000000000000fff")  // bits 0-11 only
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            try Applier.checkPrivileges(statusPath: path)
            Issue.record("no CAP_NET_ADMIN passed the check")
        } catch {
            #expect(error.effectiveCapabilities == 0xfff)
            #expect(error.description.contains("CAP_NET_ADMIN"))
        }
    }

    @Test func anUnreadableStatusIsAnError() {
        #expect(throws: PrivilegeError.self) {
            try Applier.checkPrivileges(statusPath: "/nonexistent/status-\(getpid())")
        }
    }

    @Test(.enabled(if: getuid() == 0, "the test process is root")) func rootHasIt() throws {
        try Applier.checkPrivileges()
    }
}
