import Apply
import CMnl
import NetState
import Netlink
import Planner
import Testing

/// Records `accept_ra` writes with how many change requests the kernel had run by then, so the
/// order against the link's requests is visible; fails with `error` when set.
final class RecordingDeviceConf: DeviceConfApplying {
    let kernel: FakeRouteKernel
    var writes: [(device: String, value: Int32, afterRequests: Int)] = []
    var error: NetlinkError?

    init(kernel: FakeRouteKernel) { self.kernel = kernel }

    func setAcceptRA(_ value: Int32, device: String) throws(NetlinkError) {
        if let error { throw error }
        writes.append((device, value, kernel.handled.count))
    }
}

/// The device's `txqlen` travels in its `RTM_NEWLINK`; `accept_ra`, which rtnetlink cannot set,
/// is written through `DeviceConfApplying` right after the device is created, before it comes up.
@Suite struct DeviceConfApplyTests {
    static let link: VxlanLink = {
        var link = ApplierTests.link
        link.txQueueLength = 0
        link.acceptRA = 0
        return link
    }()

    static func txQueueLength(of message: NetlinkMessage) -> UInt32? {
        FakeRouteKernel.attributes(of: message, headerSize: 16).first { Int32($0.type) == Int32(IFLA_TXQLEN) }?.uint32
    }

    @Test func aCreatedDeviceGetsTxqlenInItsNewlinkAndAcceptRABeforeUp() {
        let kernel = FakeRouteKernel()
        let conf = RecordingDeviceConf(kernel: kernel)
        let report = Applier().apply(ApplierTests.plan([.createLink(Self.link)]), using: kernel, deviceConf: conf)
        #expect(report.isComplete && report.failure == nil)
        #expect(kernel.handled.count == 2)
        #expect(Self.txQueueLength(of: kernel.handled[0]) == 0)
        #expect(conf.writes.map(\.device) == ["flannel.1"])
        #expect(conf.writes.map(\.value) == [0])
        #expect(conf.writes.map(\.afterRequests) == [1], "after the create, before the up")
    }

    @Test func aKeptDeviceIsChangedInPlace() {
        var old = Self.link
        old.txQueueLength = 1000
        old.acceptRA = 1
        let kernel = FakeRouteKernel(devices: ["lo": 1, "eth0": 2, "flannel.1": 7])
        let conf = RecordingDeviceConf(kernel: kernel)
        let report = Applier().apply(ApplierTests.plan([.modifyLink(old: old, new: Self.link)]), using: kernel, deviceConf: conf)
        #expect(report.isComplete && report.failure == nil)
        #expect(kernel.handled.count == 1)
        #expect(kernel.handled.allSatisfy { $0.type == UInt16(RTM_NEWLINK) && $0.flags & UInt16(NLM_F_CREATE) == 0 })
        #expect(kernel.handled.first.map(Self.txQueueLength) == 0)
        #expect(conf.writes.map(\.value) == [0])
    }

    @Test func onlyAcceptRAChangingSendsNoRequest() {
        var old = Self.link
        old.acceptRA = 2
        let kernel = FakeRouteKernel(devices: ["lo": 1, "eth0": 2, "flannel.1": 7])
        let conf = RecordingDeviceConf(kernel: kernel)
        let report = Applier().apply(ApplierTests.plan([.modifyLink(old: old, new: Self.link)]), using: kernel, deviceConf: conf)
        #expect(report.isComplete && report.applied.count == 1)
        #expect(kernel.handled.isEmpty)
        #expect(conf.writes.map(\.value) == [0])
    }

    @Test func ipv6DisabledIsNotAFailureButAnotherErrorIs() {
        let kernel = FakeRouteKernel()
        let conf = RecordingDeviceConf(kernel: kernel)
        conf.error = NetlinkError(.request("sysctl"), errno: ENOENT)
        let report = Applier().apply(ApplierTests.plan([.createLink(Self.link)]), using: kernel, deviceConf: conf)
        #expect(report.failure == nil && report.applied.count == 1)

        let failing = FakeRouteKernel()
        let denied = RecordingDeviceConf(kernel: failing)
        denied.error = NetlinkError(.request("sysctl net.ipv6.conf.flannel/1.accept_ra"), errno: EACCES)
        let refused = Applier().apply(ApplierTests.plan([.createLink(Self.link)]), using: failing, deviceConf: denied)
        #expect(refused.failure?.error.code.rawValue == EACCES)
        #expect(refused.failure?.error.detail?.contains("succeeded") == true, "says the device was created")
        #expect(failing.handled.count == 1, "the device is not brought up after the failure")
    }

    @Test func withoutADeviceConfNothingIsWritten() {
        let kernel = FakeRouteKernel()
        let report = Applier().apply(ApplierTests.plan([.createLink(Self.link)]), using: kernel)
        #expect(report.isComplete && kernel.handled.count == 2)
    }
}
