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
            publicIP: desired.ownLease.publicIP, name: desired.ownLease.nodeName, lease: desired.ownLease.subnet,
            backend: desired.backend.rawValue, sources: sources
        )
    }
}

extension DesiredDocument {
    init(_ node: DesiredNode, sources: [String] = []) {
        self.init(node: DocumentNode(node, sources: sources), state: node.state, subnetEnv: [
            "FLANNEL_NETWORK": node.subnetEnv.network.description,
            "FLANNEL_SUBNET": node.subnetEnv.subnet.description,
            "FLANNEL_MTU": String(node.subnetEnv.mtu),
            "FLANNEL_IPMASQ": String(node.subnetEnv.ipMasq),
        ])
    }
}
