import ArgumentParser
import Desired
import Foundation
import NetState
import Planner
import Reconcile
import StateJSON

struct DesiredCommand: SynchronousCommand {
    static let configuration = CommandConfiguration(
        commandName: "desired",
        abstract: "Print the state flannel's inputs ask of this node (or of every node)."
    )

    enum Format: String, OutputFormat {
        case text, json, script
        case subnetEnv = "subnet-env"
    }

    @OptionGroup var inputs: InputOptions

    @Option(name: .shortAndLong, help: Format.help)
    var output: Format = .text

    @Flag(name: .customLong("all-nodes"), help: "Render every node's desired state, one after another.")
    var allNodes = false

    func executeSynchronously(_ console: Console) throws -> Int32 {
        let cluster = try ClusterInputs(inputs)
        var nodes: [DesiredNode] = []
        if allNodes {
            // Each lease's node, in the order of its first subnet (IPv4's, else IPv6's).
            func first(_ lease: Lease) -> IPPrefix? { lease.half(.inet)?.subnet ?? lease.half(.inet6)?.subnet }
            for lease in cluster.leases.sorted(by: { a, b in
                switch (first(a), first(b)) {
                case let (x?, y?): x < y
                case (nil, _?): true
                default: false
                }
            }) {
                guard let address = lease.publicAddresses.first else { continue }
                nodes.append(
                    try DesiredState.compute(
                        netConf: cluster.netConf, leases: cluster.leases, rejected: cluster.rejected,
                        node: .publicIP(address),
                        facts: try facts(cluster, nodeIPs: lease.publicAddresses), options: cluster.options,
                        source: cluster.leaseSource
                    )
                )
            }
        } else {
            nodes.append(
                try DesiredState.compute(
                    netConf: cluster.netConf, leases: cluster.leases, rejected: cluster.rejected, node: cluster.selector,
                    facts: try facts(cluster, nodeIPs: nil), options: cluster.options, source: cluster.leaseSource
                )
            )
        }
        switch output {
        case .text:
            // Node by node, each listing written as the bytes it was built in: at 50,000 peers one
            // listing is 10 MB, and a `String` of it (then its `Data`) copied it twice more.
            for (index, node) in nodes.enumerated() {
                console.write((index > 0 ? "\n# " : "# ") + node.headline + "\n")
                if index == 0 { console.write(cluster.sources.map { "# \($0)\n" }.joined()) }
                var listing = node.state.listing
                listing.append(ascii: UInt8(ascii: "\n"))
                console.write(bytes: listing.bytes)
            }
        case .subnetEnv:
            console.write(nodes.map { (allNodes ? "# \($0.headline)\n" : "") + $0.subnetEnv.description }
                .joined(separator: "\n"))
        case .script:
            console.write(nodes.map { node in
                let plan = Planner.plan(desired: node.state, observed: NetworkState(), ownership: node.ownership(cluster))
                return PlanScript.render(
                    plan, header: (["desired state of \(node.headline), built on an empty node"] + cluster.sources).joined(separator: "\n")
                )
            }.joined(separator: "\n"))
        case .json:
            // Streamed to the console a megabyte at a time: `JSONEncoder` held the whole
            // document as a tree of boxes and then as text (300 MB at 50,000 peers).
            DesiredDocument.write(nodes.map { DesiredDocument($0, sources: cluster.sources) }, asArray: allNodes) { console.write(bytes: $0) }
            console.write("\n")
        }
        // Everything else was rendered; the peers left out make the run an error all the same.
        let skipped = nodes.map(\.skippedReport).joined()
        guard skipped.isEmpty else {
            console.error(skipped)
            return 1
        }
        return 0
    }

    private func facts(_ cluster: ClusterInputs, nodeIPs: [IPAddress]?) throws -> LinkFacts {
        guard inputs.isOffline else {
            throw InputError(
                .missingField, field: "--iface",
                "reading link facts from the live kernel is not available to `desired`; pass --iface (and --on-link, --iface-mtu)"
            )
        }
        return cluster.offlineFacts(inputs, segmentOf: nodeIPs)
    }
}

extension DesiredNode {
    /// One `skipped:` line per peer left out, for standard error.
    var skippedReport: String { skipped.skippedReport }
}
