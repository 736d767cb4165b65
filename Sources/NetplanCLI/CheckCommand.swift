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
        let problems = Preflight.problems(cluster, facts: facts)
        for problem in problems { console.write("problem: \(problem)\n") }
        if live {
            let own = try? DesiredState.ownLease(cluster.leases, node: cluster.selector, facts: facts, source: nil)
            let warnings = LiveChecks.warnings(
                underlay: facts.underlay, cluster: cluster.netConf.network, ownSubnet: own?.subnet,
                vxlanDevice: cluster.netConf.vxlanDeviceName
            )
            for warning in warnings { console.write("warning: \(warning)\n") }
        }
        guard problems.isEmpty else {
            console.write("\(problems.count) problem\(problems.count == 1 ? "" : "s") found.\n")
            return 1
        }
        let desired = try DesiredState.compute(
            netConf: cluster.netConf, leases: cluster.leases, node: cluster.selector, facts: facts,
            options: cluster.options, source: cluster.leaseSource
        )
        console.write("ok: \(desired.headline); \(cluster.leases.count) leases, every peer reachable.\n")
        return 0
    }
}

/// The offline checks, each reported rather than thrown, so one run lists everything wrong.
enum Preflight {
    static func problems(_ cluster: ClusterInputs, facts: LinkFacts) -> [String] {
        let netConf = cluster.netConf
        let source = cluster.leaseSource
        var problems = LeaseValidation.problems(in: cluster.leases, network: netConf.network, source: source)
            .map(\.description)
        func type(of lease: Lease) -> BackendType {
            cluster.options.backendOverride ?? lease.backendType ?? netConf.backend.type
        }
        for lease in cluster.leases where type(of: lease) == .vxlan && lease.vtepMAC == nil {
            problems.append("\(source): \(lease.key): vxlan lease has no BackendData.VtepMAC")
        }
        for lease in cluster.leases {
            if let vni = lease.vni, type(of: lease) == .vxlan, vni != netConf.backend.vni {
                problems.append("\(source): \(lease.key): advertises VNI \(vni) but net-conf has VNI \(netConf.backend.vni)")
            }
        }
        do {
            try DesiredState.checkUniqueVtepMACs(cluster.leases.filter { type(of: $0) == .vxlan }, source: source)
        } catch {
            problems.append(error.description)
        }
        var own: Lease?
        do {
            own = try DesiredState.ownLease(cluster.leases, node: cluster.selector, facts: facts, source: source)
        } catch {
            problems.append(error.description)
        }
        // host-gw feasibility: every peer reached by host-gw must be on-link.
        for peer in cluster.leases where peer != own && type(of: peer) == .hostGW && !facts.isOnLink(peer.publicIP) {
            problems.append(
                "\(source): \(peer.displayName) (\(peer.subnet) via \(peer.publicIP)): not on-link on \(facts.underlay): host-gw cannot reach it"
            )
        }
        // MTU consistency: the vxlan device carries 50 bytes of headers inside the underlay MTU.
        if let mtu = netConf.backend.mtu, mtu > facts.mtu {
            problems.append("Backend.MTU \(mtu) is larger than the MTU of \(facts.underlay) (\(facts.mtu))")
        }
        let usesVxlan = cluster.leases.contains { type(of: $0) == .vxlan }
        if usesVxlan, (netConf.backend.mtu ?? facts.mtu) < 50 + 576 {
            problems.append(
                "the vxlan MTU would be \(Int(netConf.backend.mtu ?? facts.mtu) - 50), below IPv4's minimum of 576"
            )
        }
        return problems
    }
}
