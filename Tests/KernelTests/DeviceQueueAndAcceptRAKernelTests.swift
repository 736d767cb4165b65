import Apply
import Desired
import Foundation
import NetState
import Netlink
import Observed
import Planner
import Testing

/// flanneld's device has `txqlen 0` and `accept_ra 0` (measured on v0.18.1 and v0.20.2, issue
/// 12): the tool's device must be the same, or a node flanneld converged is never "No changes".
@Suite(.enabled(if: KernelTestEnvironment.isRoot, "needs root for network namespaces"))
struct DeviceQueueAndAcceptRAKernelTests {
    let base = ApplyKernelTests()

    /// `/proc/sys/net/ipv6/conf/flannel.1/accept_ra` (the dotted key cannot name it: its dot is
    /// part of the device name).
    func readAcceptRA(_ namespace: String) throws -> String {
        try Shell.run(["ip", "netns", "exec", namespace, "cat", "/proc/sys/net/ipv6/conf/flannel.1/accept_ra"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func ifindex(_ namespace: String) throws -> String {
        String(try base.ip(namespace, "-o", "link", "show", "flannel.1").joined().prefix { $0 != ":" })
    }

    func makePlan(_ namespace: String, netConf: NetConf, leases: [Lease]) throws -> (Plan, DesiredNode) {
        let observed = try base.observe(namespace, peers: leases.compactMap(\.publicIP))
        let desired = try DesiredState.compute(
            netConf: netConf, leases: leases, node: .publicIP(ApplyKernelTests.nodeIP), facts: observed.facts, source: "leases.json"
        )
        let ownership = Ownership(
            cluster: netConf.network!, ownSubnet: desired.ownLease.subnet, vxlanDevice: "flannel.1", underlay: "eth0", subnetLengths: [24]
        )
        return (Planner.plan(desired: desired.state, observed: observed.state, ownership: ownership), desired)
    }

    @Test func theAppliedDeviceHasNoQueueAndNoRouterAdvertisements() throws {
        let (netConf, leases) = try base.seed()
        let registry = NamespaceRegistry()
        defer { registry.deleteAll() }
        let namespace = try base.makeNode(registry, tag: "txq")

        let (plan, _) = try makePlan(namespace, netConf: netConf, leases: leases)
        let report = try base.apply(plan, in: namespace)
        #expect(report.failure == nil, "\(String(describing: report.failure))")

        let link = try base.ip(namespace, "-d", "link", "show", "flannel.1").joined(separator: "\n")
        #expect(!link.contains("qlen"), "txqlen 0 is not shown: \(link)")
        #expect(try readAcceptRA(namespace) == "0")
        let observed = try base.observe(namespace, peers: leases.compactMap(\.publicIP))
        #expect(observed.state.vxlan?.txQueueLength == 0)
        #expect(observed.state.vxlan?.acceptRA == 0)
        let (again, _) = try makePlan(namespace, netConf: netConf, leases: leases)
        #expect(again.isEmpty, "\(again.changes.map(\.description))")
    }

    @Test func aHandMadeDeviceWithTheKernelDefaultsIsRepairedInPlace() throws {
        let (netConf, leases) = try base.seed()
        let registry = NamespaceRegistry()
        defer { registry.deleteAll() }
        let namespace = try base.makeNode(registry, tag: "txqhand")

        // The device as `ip link add` makes it without flanneld's settings: qlen 1000, accept_ra 1.
        let (_, desired) = try makePlan(namespace, netConf: netConf, leases: leases)
        var handMade = try #require(desired.state.vxlan)
        handMade.txQueueLength = nil
        _ = try Shell.run(["ip", "-n", namespace, "link", "add", "flannel.1"] + handMade.linkArguments)
        _ = try Shell.run(["ip", "-n", namespace, "link", "set", "flannel.1", "up"])
        _ = try Shell.run(["ip", "netns", "exec", namespace, "sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/flannel.1/accept_ra"])
        #expect(try base.ip(namespace, "link", "show", "flannel.1").joined().contains("qlen 1000"))
        let before = try ifindex(namespace)

        let (plan, _) = try makePlan(namespace, netConf: netConf, leases: leases)
        let linkChanges = plan.changes.filter { $0.kind == "link" }
        guard case let .modifyLink(old, new)? = linkChanges.first, linkChanges.count == 1 else {
            Issue.record("expected one in-place modify, got \(linkChanges.map(\.description))")
            return
        }
        #expect(old.txQueueLength == 1000 && old.acceptRA == 1)
        #expect(new.txQueueLength == 0 && new.acceptRA == 0)
        let report = try base.apply(plan, in: namespace)
        #expect(report.failure == nil, "\(String(describing: report.failure))")

        #expect(try ifindex(namespace) == before, "modified in place, not re-created")
        #expect(!(try base.ip(namespace, "link", "show", "flannel.1").joined().contains("qlen")))
        #expect(try readAcceptRA(namespace) == "0")
        let (again, _) = try makePlan(namespace, netConf: netConf, leases: leases)
        #expect(again.isEmpty, "\(again.changes.map(\.description))")
    }
}
