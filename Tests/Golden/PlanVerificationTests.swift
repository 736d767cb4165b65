import Desired
import NetState
import Planner
import StateJSON
import Testing

@testable import NetplanCLI

/// `apply --plan`: a saved plan is applied only when it equals the plan computed again now. The
/// kernel tests apply tampered files in a namespace; here every way a file can differ is named.
@Suite struct PlanVerificationTests {
    static func node() throws -> DesiredNode {
        let netConf = NetConf(network: IPv4Prefix("10.244.0.0/16")!, backend: .init(type: .vxlan))
        let leases = [
            Lease(key: "/k/10.244.1.0-24", subnet: IPv4Prefix("10.244.1.0/24")!, publicIP: IPv4Address("172.22.0.11")!,
                  backendType: .vxlan, vtepMAC: MACAddress("0e:00:00:00:00:01"), vni: 1),
            Lease(key: "/k/10.244.2.0-24", subnet: IPv4Prefix("10.244.2.0/24")!, publicIP: IPv4Address("172.22.0.12")!,
                  backendType: .vxlan, vtepMAC: MACAddress("0e:00:00:00:00:02"), vni: 1),
        ]
        return try DesiredState.compute(
            netConf: netConf, leases: leases, node: .publicIP(IPv4Address("172.22.0.11")!),
            facts: LinkFacts(underlay: "eth0", onLinkNetworks: [.v4(IPv4Prefix("172.22.0.0/24")!)])
        )
    }

    static func plan(_ node: DesiredNode) -> Plan {
        let ownership = Ownership(
            cluster: IPv4Prefix("10.244.0.0/16")!, ownSubnet: node.ownLease.subnet, vxlanDevice: "flannel.1",
            underlay: "eth0", subnetLengths: node.subnetLengths
        )
        return Planner.plan(desired: node.state, observed: NetworkState(), ownership: ownership)
    }

    /// The message of the refusal, or nil when the file was accepted.
    static func refusal(_ document: PlanDocument, against plan: Plan) -> String? {
        do {
            try PlanVerification.verify(document, against: plan, path: "plan.json")
            return nil
        } catch let failure as CommandFailure {
            return failure.message
        } catch {
            return "\(error)"
        }
    }

    @Test func theSamePlanIsAccepted() throws {
        let node = try Self.node()
        let plan = Self.plan(node)
        #expect(Self.refusal(PlanDocument(plan, desired: node), against: plan) == nil)
    }

    @Test func aKernelThatMovedIsSaidToHaveMoved() throws {
        let node = try Self.node()
        let plan = Self.plan(node)
        var moved = plan
        moved.fingerprint = "0123456789abcdef"
        let message = Self.refusal(PlanDocument(plan, desired: node), against: moved)
        #expect(message?.contains("the kernel changed since it was made") == true, "\(message ?? "accepted")")
        #expect(message?.contains("nothing was changed") == true)
        #expect(message?.contains("\(plan.fingerprint), they are now 0123456789abcdef") == true)
    }

    /// An iptables change's one-line text names only the table: the refusal shows the rule that differs.
    @Test func aWidenedIptablesRuleIsRefusedAndShown() throws {
        let node = try Self.node()
        let plan = Self.plan(node)
        var document = PlanDocument(plan, desired: node)
        let index = try #require(document.changes.firstIndex { $0.kind == "iptables" && $0.description.contains("-t nat") })
        guard case var .iptables(change) = document.changes[index] else { Issue.record("no iptables change"); return }
        let masquerade = try #require(change.appends.firstIndex { $0.rule.verdict == .masquerade(fullyRandom: true) })
        change.appends[masquerade].rule.matches[0] = .sourceAddress(IPv4Prefix("0.0.0.0/0")!, negated: false)
        document.changes[index] = .iptables(change)
        let message = Self.refusal(document, against: plan)
        #expect(message?.contains(#""+ -A FLANNEL-POSTRTG -s 0.0.0.0/0 ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully" where these inputs give "+ -A FLANNEL-POSTRTG -s 10.244.0.0/16 ! -d 224.0.0.0/4"#) == true, "\(message ?? "accepted")")
    }

    @Test(arguments: [
        "a route retargeted to 8.8.8.0/24", "a delete of the default route", "an FDB entry towards 224.0.0.1",
        "a renamed device", "a change dropped", "ownership widened to 0.0.0.0/0",
    ])
    func anEditedFileIsRefused(_ edit: String) throws {
        let node = try Self.node()
        let plan = Self.plan(node)
        var document = PlanDocument(plan, desired: node)
        switch edit {
        case "a route retargeted to 8.8.8.0/24":
            let index = try #require(document.changes.firstIndex { $0.kind == "route" })
            var route = Route(key: .init(destination: IPv4Prefix("8.8.8.0/24")!), gateway: .v4(IPv4Address("10.244.2.0")!), device: "flannel.1", onLink: true)
            route.proto = .boot
            document.changes[index] = .route(.create(route))
        case "a delete of the default route":
            document.changes.append(.route(.delete(Route(
                key: .init(destination: IPv4Prefix("0.0.0.0/0")!), gateway: .v4(IPv4Address("172.22.0.1")!), device: "eth0", proto: .static
            ))))
        case "an FDB entry towards 224.0.0.1":
            let index = try #require(document.changes.firstIndex { $0.kind == "fdb" })
            document.changes[index] = .fdb(.create(FdbEntry(device: "flannel.1", mac: MACAddress("0e:00:00:00:00:02")!, destination: .v4(IPv4Address("224.0.0.1")!))))
        case "a renamed device":
            guard case let .createLink(link) = document.changes[0] else { Issue.record("no link"); return }
            var renamed = link
            renamed.name = "eth0"
            document.changes[0] = .createLink(renamed)
        case "a change dropped":
            document.changes.removeLast()
        default:
            document.ownership.ipv4?.cluster = IPPrefix("0.0.0.0/0")!
        }
        let message = Self.refusal(document, against: plan)
        #expect(message?.contains("the plan does not match the one computed now from these inputs") == true, "\(edit): \(message ?? "accepted")")
        #expect(message?.contains("The file was edited, or the inputs are not the plan's; nothing was changed.") == true)
    }
}
