import ArgumentParser
import Desired
import Foundation
import NetState
import Observed

struct CheckCommand: SynchronousCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Preflight: report every problem with the leases and the node before a plan is applied.",
        discussion: """
            Exit 0 when fine; 1 with one line per problem. On a live node (no --observed, no offline \
            flags) it also warns about strict rp_filter, ip_forward off, and MASQUERADE rules in other \
            nf_tables tables that would NAT pod-to-pod traffic.
            """
    )

    @OptionGroup var inputs: InputOptions

    @Option(name: .customLong("observed"), help: "Check against a saved snapshot instead of the live kernel.")
    var observed: String?

    func executeSynchronously(_ console: Console) throws -> Int32 {
        let cluster = try ClusterInputs(inputs)
        let facts: LinkFacts
        let live = !inputs.isOffline && observed == nil
        if live {
            facts = try NodeContext.observe(cluster, inputs, snapshot: observed).facts
        } else {
            facts = inputs.isOffline && observed == nil
                ? cluster.offlineFacts(inputs) : try NodeContext.observe(cluster, inputs, snapshot: observed).facts
        }
        let (desired, problems) = Preflight.run(cluster, facts: facts)
        // Where each input came from, as every output's header says it.
        for source in cluster.sources { console.write("# \(source)\n") }
        for problem in problems { console.write("problem: \(problem)\n") }
        if live {
            let warnings = LiveChecks.warnings(
                underlay: facts.underlay, netConf: cluster.netConf, ownLease: desired?.ownLease
            )
            for warning in warnings { console.write("warning: \(warning)\n") }
        }
        guard let desired, problems.isEmpty else {
            console.write("\(problems.count) problem\(problems.count == 1 ? "" : "s") found.\n")
            return 1
        }
        console.write("ok: \(desired.headline); \(cluster.leases.count) leases, every peer reachable.\n")
        return 0
    }
}

/// The offline checks, each reported rather than thrown, so one run lists everything wrong.
enum Preflight {
    /// The desired state when it can be computed, and every problem: the one that refuses the
    /// node, or one per skipped peer, then the MTU checks.
    static func run(_ cluster: ClusterInputs, facts: LinkFacts) -> (DesiredNode?, [String]) {
        let netConf = cluster.netConf
        var problems: [String] = []
        var desired: DesiredNode?
        do {
            desired = try DesiredState.compute(
                netConf: netConf, leases: cluster.leases, rejected: cluster.rejected, node: cluster.selector,
                facts: facts, options: cluster.options, source: cluster.leaseSource
            )
        } catch {
            problems.append(error.description)
        }
        problems += desired?.skipped.map(\.description) ?? []
        // MTU consistency: the vxlan device carries 50 bytes of headers inside the underlay MTU.
        if let mtu = netConf.backend.mtu, mtu > facts.mtu {
            problems.append("Backend.MTU \(mtu) is larger than the MTU of \(facts.underlay) (\(facts.mtu))")
        }
        let usesVxlan = cluster.leases.contains {
            netConf.backendType(of: $0, override: cluster.options.backendOverride) == .vxlan
        }
        if usesVxlan, (netConf.backend.mtu ?? facts.mtu) < 50 + 576 {
            problems.append(
                "the vxlan MTU would be \(Int(netConf.backend.mtu ?? facts.mtu) - 50), below IPv4's minimum of 576"
            )
        }
        problems += ipv6Problems(cluster, facts: facts, usesVxlan: usesVxlan)
        return (desired, problems)
    }

    /// With `EnableIPv6`: the underlay needs a global IPv6 address (the IPv6 vxlan device's
    /// `local`, the host-gw next hops' neighbour), and an IPv6 vxlan device needs IPv6's minimum
    /// MTU of 1280 (RFC 8200) after its 70 bytes of headers. Offline facts name no addresses:
    /// then only the MTU is checked.
    static func ipv6Problems(_ cluster: ClusterInputs, facts: LinkFacts, usesVxlan: Bool) -> [String] {
        guard cluster.netConf.families.contains(.inet6) else { return [] }
        var problems: [String] = []
        let live = !facts.addresses.isEmpty
        if live && !facts.addresses.contains(where: { $0.family == .inet6 }) {
            problems.append(
                "\(facts.underlay) has no global IPv6 address, but EnableIPv6 is true: \(cluster.netConf.vxlan6DeviceName) and IPv6 host-gw routes need one"
            )
        }
        if usesVxlan, facts.mtu < 70 + 1280 {
            problems.append(
                "the IPv6 vxlan MTU would be \(Int(facts.mtu) - 70) (\(facts.underlay)'s \(facts.mtu) less 70 bytes of IPv6 vxlan headers), below IPv6's minimum of 1280"
            )
        }
        return problems
    }
}
