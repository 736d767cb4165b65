import NetState
import Planner
import Testing

/// flanneld's device has `txqlen 0` and `accept_ra 0` (measured, issue 12): a device that
/// differs only in these is changed in place, never re-created, and an unknown value (IPv6
/// disabled on the device, a snapshot written before the fields existed) is never a difference.
@Suite struct DeviceQueueAndAcceptRATests {
    static func flannelLike(_ state: NetworkState) -> NetworkState {
        var state = state
        state.vxlan?.txQueueLength = 0
        state.vxlan?.acceptRA = 0
        return state
    }

    @Test func aConvergedDeviceHasNoChange() {
        let desired = Self.flannelLike(PF.state(vxlan: [2]))
        #expect(PF.plan(desired, desired).isEmpty)
    }

    @Test func theKernelDefaultsAreModifiedInPlaceNotRecreated() throws {
        let desired = Self.flannelLike(PF.state(vxlan: [2]))
        var observed = desired
        observed.vxlan?.txQueueLength = 1000
        observed.vxlan?.acceptRA = 1
        let plan = PF.plan(desired, observed)
        let old = try #require(observed.vxlan)
        let new = try #require(desired.vxlan)
        #expect(plan.changes == [.modifyLink(old: old, new: new)])
        #expect(plan.summary == (add: 0, change: 1, destroy: 0))
        #expect(plan.changes[0].description == "~ link \(old) → \(new)")
        #expect(old.description.contains(" qlen 1000 ") && old.description.hasSuffix(" up accept_ra 1"))
        #expect(PlanScript.commands(for: plan.changes[0]) == [
            "ip link set dev flannel.1 txqueuelen 0", "sysctl -w net.ipv6.conf.flannel/1.accept_ra=0",
        ])
    }

    @Test func onlyTheFieldThatDiffersIsChanged() {
        let desired = Self.flannelLike(PF.state(vxlan: [2]))
        var observed = desired
        observed.vxlan?.acceptRA = 2
        let plan = PF.plan(desired, observed)
        #expect(plan.changes.count == 1)
        #expect(PlanScript.commands(for: plan.changes[0]) == ["sysctl -w net.ipv6.conf.flannel/1.accept_ra=0"])
    }

    @Test func unknownValuesAreNeverADifference() {
        let desired = Self.flannelLike(PF.state(vxlan: [2]))
        var observed = desired
        observed.vxlan?.acceptRA = nil  // IPv6 disabled on the device: no IFLA_INET6_CONF
        observed.vxlan?.txQueueLength = nil  // a snapshot from before the field
        #expect(PF.plan(desired, observed).isEmpty)
        observed.vxlan?.mtu = 1400
        let plan = PF.plan(desired, observed)
        guard case let .modifyLink(_, new)? = plan.changes.first else {
            Issue.record("expected a modify, got \(plan.changes)")
            return
        }
        #expect(new.acceptRA == nil && new.txQueueLength == nil)
        #expect(PlanScript.commands(for: plan.changes[0]) == ["ip link set flannel.1 mtu 1450"])
    }

    @Test func aNewDeviceIsCreatedWithBothAndAcceptRAIsSetBeforeItComesUp() throws {
        let desired = Self.flannelLike(PF.state(vxlan: [2]))
        let plan = PF.plan(desired, NetworkState())
        let create = try #require(plan.changes.first)
        #expect(PlanScript.commands(for: create) == [
            "ip link add flannel.1 address 12:c6:65:89:b4:e3 mtu 1450 txqueuelen 0 type vxlan id 1 local 192.168.1.11 dev eth0 dstport 8472 nolearning",
            "sysctl -w net.ipv6.conf.flannel/1.accept_ra=0",
            "ip link set flannel.1 up",
        ])
        #expect(create.description.hasPrefix("+ link flannel.1 address 12:c6:65:89:b4:e3 mtu 1450 qlen 0 type vxlan"))
        #expect(create.description.hasSuffix(" up accept_ra 0"))
    }

    @Test func aRecreatedDeviceGetsThemToo() throws {
        let desired = Self.flannelLike(PF.state(vxlan: [2]))
        var observed = desired
        observed.vxlan?.port = 4789
        observed.vxlan?.txQueueLength = 1000
        let plan = PF.plan(desired, observed)
        guard case let .recreateLink(_, new)? = plan.changes.first else {
            Issue.record("expected a re-creation, got \(plan.changes)")
            return
        }
        #expect(new.txQueueLength == 0 && new.acceptRA == 0)
        #expect(plan.changes[0].description.contains("forces re-creation: dstport 4789 → 8472)"))
    }

    @Test func theSysctlNameWritesADotInTheDeviceNameAsASlash() {
        #expect(PF.link().acceptRASysctlName == "net.ipv6.conf.flannel/1.accept_ra")
    }
}
