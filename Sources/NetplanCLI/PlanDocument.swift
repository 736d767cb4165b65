import Desired
import Foundation
import InputFiles
import NetState
import Observed
import Planner

/// `plan -o json` and the plan file of `plan --out` / `apply --plan`, schema version 2
/// (docs/plan-json.md). Additive changes keep the version; anything else bumps it. Version 2
/// added the narrowed ownership (underlay, subnet lengths, skipped peers' objects) and `skipped`.
struct PlanDocument: Codable {
    static let currentVersion = 2

    var formatVersion: Int
    var node: Node
    var fingerprint: String
    var summary: Summary
    var conflicts: [String]
    /// Peers left out, each with its reason label and message.
    var skipped: [Skipped]
    var ownership: Ownership
    var changes: [Change]

    struct Skipped: Codable {
        var key: String
        var reason: String
        var message: String
    }

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
        skipped = desired.skipped.map { Skipped(key: $0.key, reason: $0.reason.rawValue, message: $0.message) }
        ownership = plan.ownership
        changes = plan.changes
    }

    var plan: Plan { Plan(changes: changes, fingerprint: fingerprint, conflicts: conflicts, ownership: ownership) }

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

extension JSONOutput {
    /// `plan -o json` and the plan file: the bytes `JSONEncoder` printed for the document,
    /// written directly (a plan from an empty node at 50,000 peers has 150,000 changes).
    static func encode(_ document: PlanDocument) throws -> String {
        render(capacity: 4096 + 400 * document.changes.count) { $0.write(document) }
    }
}

extension JSONTextWriter {
    mutating func write(_ document: PlanDocument) {
        beginObject()
        key("changes")
        beginArray()
        for change in document.changes {
            element()
            write(change)
        }
        endArray()
        key("conflicts")
        beginArray()
        for conflict in document.conflicts {
            element()
            string(conflict)
        }
        endArray()
        key("fingerprint")
        string(document.fingerprint)
        key("formatVersion")
        integer(document.formatVersion)
        key("node")
        beginObject()
        nodeMembers(
            backend: document.node.backend, lease: document.node.lease, name: document.node.name,
            publicIP: document.node.publicIP
        )
        key("vxlanDevice")
        string(document.node.vxlanDevice)
        endObject()
        key("ownership")
        beginObject()
        key("cluster")
        prefix(document.ownership.cluster)
        key("ownSubnet")
        prefix(document.ownership.ownSubnet)
        key("skipped")
        beginObject()
        key("macs")
        beginArray()
        for mac in document.ownership.skipped.macs.sorted() {
            element()
            string(mac.description)
        }
        endArray()
        key("publicIps")
        beginArray()
        for ip in document.ownership.skipped.publicIPs.sorted() {
            element()
            address(ip)
        }
        endArray()
        key("subnets")
        beginArray()
        for subnet in document.ownership.skipped.subnets.sorted() {
            element()
            prefix(subnet)
        }
        endArray()
        endObject()
        key("subnetLengths")
        beginArray()
        for length in document.ownership.subnetLengths {
            element()
            integer(Int(length))
        }
        endArray()
        key("underlay")
        string(document.ownership.underlay)
        key("vxlanDevice")
        string(document.ownership.vxlanDevice)
        endObject()
        key("skipped")
        beginArray()
        for peer in document.skipped {
            element()
            beginObject()
            key("key")
            string(peer.key)
            key("message")
            string(peer.message)
            key("reason")
            string(peer.reason)
            endObject()
        }
        endArray()
        key("summary")
        beginObject()
        key("add")
        integer(document.summary.add)
        key("change")
        integer(document.summary.change)
        key("destroy")
        integer(document.summary.destroy)
        endObject()
        endObject()
    }

    /// `Change`'s JSON: `action`, `after`, `before` (`null` when absent), `kind`, `text`.
    mutating func write(_ change: Change) {
        beginObject()
        key("action")
        string(change.action.rawValue)
        switch change {
        case let .createLink(link): both(nil, link) { $0.write($1) }
        case let .modifyLink(old, new), let .recreateLink(old, new): both(old, new) { $0.write($1) }
        case let .deleteLink(link): both(link, nil) { $0.write($1) }
        case let .address(verb): both(verb.before, verb.after) { $0.write($1) }
        case let .fdb(verb): both(verb.before, verb.after) { $0.write($1) }
        case let .neighbor(verb): both(verb.before, verb.after) { $0.write($1) }
        case let .route(verb): both(verb.before, verb.after) { $0.write($1) }
        case let .table(verb): both(verb.before, verb.after) { $0.write($1) }
        }
        key("kind")
        string(change.kind)
        key("text")
        string(change.description)
        endObject()
    }

    private mutating func both<Object>(_ before: Object?, _ after: Object?, _ write: (inout JSONTextWriter, Object) -> Void) {
        key("after")
        if let after { write(&self, after) } else { null() }
        key("before")
        if let before { write(&self, before) } else { null() }
    }

    mutating func write(_ address: DeviceAddress) {
        beginObject()
        key("address")
        interfaceAddress(address.address)
        key("device")
        string(address.device)
        endObject()
    }
}
