import Desired
import Foundation
import NetState
import Planner

/// `plan -o json` and the plan file of `plan --out` / `apply --plan`, schema version 1
/// (docs/plan-json.md). Additive changes keep the version; anything else bumps it.
struct PlanDocument: Codable {
    static let currentVersion = 1

    var formatVersion: Int
    var node: Node
    var fingerprint: String
    var summary: Summary
    var conflicts: [String]
    var ownership: Ownership
    var changes: [Change]

    struct Node: Codable {
        var publicIP: IPv4Address
        var name: String?
        var lease: IPv4Prefix
        var backend: String
        var vxlanDevice: String

        /// `publicIP` round-trips through snake_case only as `publicIp`.
        private enum CodingKeys: String, CodingKey {
            case publicIP = "publicIp", name, lease, backend, vxlanDevice
        }
    }

    struct Summary: Codable {
        var add: Int
        var change: Int
        var destroy: Int
    }

    init(_ plan: Plan, desired: DesiredNode) {
        formatVersion = Self.currentVersion
        node = Node(
            publicIP: desired.ownLease.publicIP, name: desired.ownLease.nodeName, lease: desired.ownLease.subnet,
            backend: desired.backend.rawValue, vxlanDevice: plan.ownership.vxlanDevice
        )
        fingerprint = plan.fingerprint
        let counts = plan.summary
        summary = Summary(add: counts.add, change: counts.change, destroy: counts.destroy)
        conflicts = plan.conflicts
        ownership = plan.ownership
        changes = plan.changes
    }

    var plan: Plan { Plan(changes: changes, fingerprint: fingerprint, conflicts: conflicts, ownership: ownership) }

    static func load(path: String) throws -> PlanDocument {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure(message: "\(path): cannot read the plan file")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let document: PlanDocument
        do {
            document = try decoder.decode(PlanDocument.self, from: data)
        } catch {
            throw CommandFailure(message: "\(path): not a netplan-flannel plan: \(error)")
        }
        guard document.formatVersion == currentVersion else {
            throw CommandFailure(
                message: "\(path): plan format version \(document.formatVersion); this tool reads version \(currentVersion)"
            )
        }
        return document
    }
}
