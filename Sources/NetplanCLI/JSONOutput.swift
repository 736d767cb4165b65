import Desired
import InputFiles
import NetState
import Planner
import StateJSON

/// Every JSON the tool prints: sorted keys and snake_case so output is stable and greppable,
/// written by StateJSON's field tables, byte for byte what `JSONEncoder` printed (the StateJSON
/// and golden tests hold them side by side); this adds the final newline.
enum JSONOutput {
    /// `observe -o json`: the owned state and the link facts.
    static func render(_ snapshot: Snapshot) -> String {
        text(snapshot.encodedBytes(keyStyle: .snakeCase))
    }

    /// `plan -o json` and the plan file.
    static func render(_ document: PlanDocument) -> String {
        text(document.encodedBytes())
    }

    private static func text(_ bytes: consuming [UInt8]) -> String {
        bytes.append(0x0a)
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension PlanDocument {
    init(_ plan: Plan, desired: DesiredNode, sources: [String] = []) {
        self.init(
            plan, node: DocumentNode(desired, sources: sources),
            skipped: desired.skipped.map { Skipped(key: $0.key, reason: $0.reason.rawValue, message: $0.message) }
        )
    }

    /// Reads a plan file (a regular file or `-`, under `InputFileLimit.plan`); a file that is
    /// not a plan is refused in plain words naming it (see `PlanFile`).
    static func load(path: String) throws -> PlanDocument {
        let bytes: [UInt8]
        do {
            bytes = try InputFile.read(path, limit: .plan)
        } catch {
            throw CommandFailure(message: "\(error)")
        }
        let document: PlanDocument
        do {
            document = try PlanFile.decode(bytes)
        } catch {
            throw CommandFailure(message: "\(path): not a netplan-flannel plan: \(error.reason)")
        }
        guard document.formatVersion == currentVersion else {
            throw CommandFailure(
                message: "\(path): plan format version \(document.formatVersion); this tool reads version \(currentVersion)"
            )
        }
        return document
    }
}

extension DocumentNode {
    init(_ desired: DesiredNode, sources: [String] = []) {
        self.init(
            publicIP: desired.families.contains(.inet) ? desired.ownLease.publicIP : nil, name: desired.ownLease.nodeName,
            lease: desired.families.contains(.inet) ? desired.ownLease.subnet : nil,
            publicIPv6: desired.families.contains(.inet6) ? desired.ownLease.publicIPv6 : nil,
            leaseIPv6: desired.families.contains(.inet6) ? desired.ownLease.subnet6 : nil,
            backend: desired.backend.rawValue, sources: sources
        )
    }
}

extension DesiredDocument {
    init(_ node: DesiredNode, sources: [String] = []) {
        let env = node.subnetEnv
        var lines = ["FLANNEL_MTU": String(env.mtu), "FLANNEL_IPMASQ": String(env.ipMasq)]
        if let network = env.network, let subnet = env.subnet {
            lines["FLANNEL_NETWORK"] = network.description
            lines["FLANNEL_SUBNET"] = subnet.description
        }
        if let network = env.ipv6Network, let subnet = env.ipv6Subnet {
            lines["FLANNEL_IPV6_NETWORK"] = network.description
            lines["FLANNEL_IPV6_SUBNET"] = subnet.description
        }
        self.init(node: DocumentNode(node, sources: sources), state: node.state, subnetEnv: lines)
    }
}
