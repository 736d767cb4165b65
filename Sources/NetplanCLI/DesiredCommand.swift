import ArgumentParser
import Desired
import Foundation
import NetState
import Observed
import Planner
import Reconcile

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
            for lease in cluster.leases.sorted(by: { $0.subnet < $1.subnet }) {
                nodes.append(
                    try DesiredState.compute(
                        netConf: cluster.netConf, leases: cluster.leases, rejected: cluster.rejected,
                        node: .publicIP(lease.publicIP),
                        facts: try facts(cluster, nodeIP: lease.publicIP), options: cluster.options,
                        source: cluster.leaseSource
                    )
                )
            }
        } else {
            nodes.append(
                try DesiredState.compute(
                    netConf: cluster.netConf, leases: cluster.leases, rejected: cluster.rejected, node: cluster.selector,
                    facts: try facts(cluster, nodeIP: nil), options: cluster.options, source: cluster.leaseSource
                )
            )
        }
        switch output {
        case .text:
            // Node by node: at 50,000 peers one listing is 10 MB, and joining copies it again.
            for (index, node) in nodes.enumerated() {
                console.write((index > 0 ? "\n# " : "# ") + node.headline + "\n")
                console.write(node.state.description + "\n")
            }
        case .subnetEnv:
            console.write(nodes.map { (allNodes ? "# \($0.headline)\n" : "") + $0.subnetEnv.description }
                .joined(separator: "\n"))
        case .script:
            console.write(nodes.map { node in
                let plan = Planner.plan(desired: node.state, observed: NetworkState(), ownership: node.ownership(cluster))
                return PlanScript.render(plan, header: "desired state of \(node.headline), built on an empty node")
            }.joined(separator: "\n"))
        case .json:
            // Streamed to the console a megabyte at a time: `JSONEncoder` held the whole
            // document as a tree of boxes and then as text (300 MB at 50,000 peers).
            var writer = JSONTextWriter(keyStyle: .snakeCase, capacity: 1 << 20 + 4096)
            writer.stream(every: 1 << 20) { console.write(bytes: $0) }
            if allNodes { writer.beginArray() }
            for node in nodes {
                if allNodes { writer.element() }
                writer.write(DesiredDocument(node))
            }
            if allNodes { writer.endArray() }
            writer.flush()
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

    private func facts(_ cluster: ClusterInputs, nodeIP: IPv4Address?) throws -> LinkFacts {
        guard inputs.isOffline else {
            throw InputError(
                .missingField, field: "--iface",
                "reading link facts from the live kernel is not available to `desired`; pass --iface (and --on-link, --iface-mtu)"
            )
        }
        return cluster.offlineFacts(inputs, segmentOf: nodeIP)
    }
}

extension DesiredNode {
    /// One `skipped:` line per peer left out, for standard error.
    var skippedReport: String {
        skipped.map { "skipped: \($0)\n" }.joined()
    }
}

/// `desired -o json`, schema version 1. `JSONTextWriter.write(_:)` prints it; the `Encodable`
/// conformance is the reference the tests compare it with.
struct DesiredDocument: Encodable {
    var formatVersion = 1
    var node: NodeInfo
    var state: NetworkState
    var subnetEnv: [String: String]

    struct NodeInfo: Encodable {
        var publicIP: IPv4Address
        var name: String?
        var lease: IPv4Prefix
        var backend: String
    }

    init(_ node: DesiredNode) {
        self.node = NodeInfo(
            publicIP: node.ownLease.publicIP, name: node.ownLease.nodeName, lease: node.ownLease.subnet,
            backend: node.backend.rawValue
        )
        state = node.state
        subnetEnv = [
            "FLANNEL_NETWORK": node.subnetEnv.network.description,
            "FLANNEL_SUBNET": node.subnetEnv.subnet.description,
            "FLANNEL_MTU": String(node.subnetEnv.mtu),
            "FLANNEL_IPMASQ": String(node.subnetEnv.ipMasq),
        ]
    }
}

extension JSONTextWriter {
    /// A `DesiredDocument`, in the bytes `JSONEncoder` printed for it.
    mutating func write(_ document: DesiredDocument) {
        beginObject()
        key("formatVersion")
        integer(document.formatVersion)
        key("node")
        beginObject()
        nodeMembers(
            backend: document.node.backend, lease: document.node.lease, name: document.node.name,
            publicIP: document.node.publicIP
        )
        endObject()
        key("state")
        write(document.state)
        key("subnetEnv")
        beginObject()
        for (name, value) in document.subnetEnv.sorted(by: { Array($0.key.utf8).lexicographicallyPrecedes($1.key.utf8) }) {
            literalKey(name)
            string(value)
        }
        endObject()
        endObject()
    }
}

extension JSONTextWriter {
    /// The members the `node` objects of `desired -o json` and `plan -o json` share, in key
    /// order; the plan's adds `vxlan_device` after them.
    mutating func nodeMembers(backend: String, lease: IPv4Prefix, name: String?, publicIP: IPv4Address) {
        key("backend")
        string(backend)
        key("lease")
        prefix(lease)
        if let name {
            key("name")
            string(name)
        }
        key("publicIp")
        address(publicIP)
    }
}
