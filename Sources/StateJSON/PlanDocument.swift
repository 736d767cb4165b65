import NetState
import Planner

/// `plan -o json` and the plan file of `plan --out` / `apply --plan`, schema version 3
/// (docs/plan-json.md). Additive changes keep the version; anything else bumps it. Version 2
/// added the narrowed ownership (underlay, subnet lengths, skipped peers' objects) and `skipped`;
/// version 3 made the ownership per address family (`ipv4`, `ipv6`, `vxlan6_device`) and the
/// node's IPv4 lease optional beside its IPv6 one (IPv6-only nodes have none).
/// Written and read with snake_case keys.
public struct PlanDocument: Sendable, Hashable {
    public static let currentVersion = 3

    public var formatVersion: Int
    public var node: DocumentNode
    public var fingerprint: String
    public var summary: Summary
    public var conflicts: [String]
    /// Peers left out, each with its reason label and message.
    public var skipped: [Skipped]
    public var ownership: Ownership
    public var changes: [Change]

    public struct Skipped: Sendable, Hashable {
        public var key: String
        public var reason: String
        public var message: String

        public init(key: String, reason: String, message: String) {
            self.key = key
            self.reason = reason
            self.message = message
        }
    }

    public struct Summary: Sendable, Hashable {
        public var add: Int
        public var change: Int
        public var destroy: Int
    }

    /// The document of `plan`, for the node `node` (its `vxlanDevice` is the plan's).
    public init(_ plan: Plan, node: DocumentNode, skipped: [Skipped]) {
        formatVersion = Self.currentVersion
        self.node = node
        self.node.vxlanDevice = plan.ownership.vxlanDevice
        fingerprint = plan.fingerprint
        let counts = plan.summary
        summary = Summary(add: counts.add, change: counts.change, destroy: counts.destroy)
        conflicts = plan.conflicts
        self.skipped = skipped
        ownership = plan.ownership
        changes = plan.changes
    }

    public var plan: Plan { Plan(changes: changes, fingerprint: fingerprint, conflicts: conflicts, ownership: ownership) }

    public static let format = JSONObjectFormat<PlanDocument, PlanDocument>(blank: blank, [
        .required("changes", { $0.changes }, { $0.changes = $1 }, .array(PlanFormats.change.value)),
        .required("conflicts", { $0.conflicts }, { $0.conflicts = $1 }, .array(.string)),
        .required("fingerprint", { $0.fingerprint }, { $0.fingerprint = $1 }, .string),
        .required("formatVersion", { $0.formatVersion }, { $0.formatVersion = $1 }, .integer(Int.self)),
        .required("node", { $0.node }, { $0.node = $1 }, DocumentNode.planFormat.value),
        .required("ownership", { $0.ownership }, { $0.ownership = $1 }, PlanFormats.ownership.value),
        .required("skipped", { $0.skipped }, { $0.skipped = $1 }, .array(skippedFormat.value)),
        .required("summary", { $0.summary }, { $0.summary = $1 }, summaryFormat.value),
    ])

    static let skippedFormat = JSONObjectFormat<Skipped, Skipped>(blank: Skipped(key: "", reason: "", message: ""), [
        .required("key", { $0.key }, { $0.key = $1 }, .string),
        .required("message", { $0.message }, { $0.message = $1 }, .string),
        .required("reason", { $0.reason }, { $0.reason = $1 }, .string),
    ])

    static let summaryFormat = JSONObjectFormat<Summary, Summary>(blank: Summary(add: 0, change: 0, destroy: 0), [
        .required("add", { $0.add }, { $0.add = $1 }, .integer(Int.self)),
        .required("change", { $0.change }, { $0.change = $1 }, .integer(Int.self)),
        .required("destroy", { $0.destroy }, { $0.destroy = $1 }, .integer(Int.self)),
    ])

    private static var blank: PlanDocument {
        let ownership = Ownership(ipv4: nil, ipv6: nil, vxlanDevice: "", vxlan6Device: "", underlay: "")
        let node = DocumentNode(publicIP: nil, name: nil, lease: nil, backend: "")
        return PlanDocument(Plan(changes: [], fingerprint: "", ownership: ownership), node: node, skipped: [])
    }

    /// `plan -o json` and the plan file: the bytes `JSONEncoder` printed for the document,
    /// written directly (a plan from an empty node at 50,000 peers has 150,000 changes).
    public func encodedBytes() -> [UInt8] {
        var writer = JSONTextWriter(keyStyle: .snakeCase, capacity: 4096 + 400 * changes.count)
        writer.write(self, as: Self.format)
        return writer.bytes
    }
}

/// The `node` object of `desired -o json` and `plan -o json`; the plan's adds `vxlan_device`.
/// A node has the leases of the families it runs: IPv4 (`public_ip`, `lease`), IPv6
/// (`public_ipv6`, `lease_ipv6`) or both.
public struct DocumentNode: Sendable, Hashable {
    public var publicIP: IPv4Address?
    public var name: String?
    public var lease: IPv4Prefix?
    public var publicIPv6: IPv6Address?
    public var leaseIPv6: IPv6Prefix?
    public var backend: String
    public var vxlanDevice: String?
    /// Where each input came from (`net-conf: /run/flannel/subnet.env (…)`, `leases: …`), as
    /// the text outputs' headers say it. Additive: a document without it reads as none.
    public var sources: [String]

    public init(
        publicIP: IPv4Address?, name: String?, lease: IPv4Prefix?, publicIPv6: IPv6Address? = nil,
        leaseIPv6: IPv6Prefix? = nil, backend: String, sources: [String] = []
    ) {
        self.publicIP = publicIP
        self.name = name
        self.lease = lease
        self.publicIPv6 = publicIPv6
        self.leaseIPv6 = leaseIPv6
        self.backend = backend
        self.sources = sources
    }

    static let fields: [JSONField<DocumentNode, DocumentNode>] = [
        .required("backend", { $0.backend }, { $0.backend = $1 }, .string),
        .optional("lease", { $0.lease }, { $0.lease = $1 }, .prefix),
        .optional("leaseIpv6", { $0.leaseIPv6 }, { $0.leaseIPv6 = $1 }, .prefix6),
        .optional("name", { $0.name }, { $0.name = $1 }, .string),
        .optional("publicIp", { $0.publicIP }, { $0.publicIP = $1 }, .address),
        .optional("publicIpv6", { $0.publicIPv6 }, { $0.publicIPv6 = $1 }, .address6),
        .defaulted("sources", { $0.sources }, { $0.sources = $1 }, .array(.string)),
    ]

    static let desiredFormat = JSONObjectFormat(blank: blank, fields)

    static let planFormat = JSONObjectFormat(blank: blank, fields + [
        .required("vxlanDevice", { $0.vxlanDevice ?? "" }, { $0.vxlanDevice = $1 }, .string),
    ])

    private static var blank: DocumentNode {
        DocumentNode(publicIP: nil, name: nil, lease: nil, backend: "")
    }
}

extension PlanFormats {
    /// The contract the plan was computed under; the skipped objects' sets as sorted arrays,
    /// so plan files are the same bytes for the same plan.
    public static let ownership = JSONObjectFormat<Ownership, Ownership>(blank: blankOwnership, [
        .optional("ipv4", { $0.ipv4 }, { $0.ipv4 = $1 }, family(.inet).value),
        .optional("ipv6", { $0.ipv6 }, { $0.ipv6 = $1 }, family(.inet6).value),
        .required("skipped", { $0.skipped }, { $0.skipped = $1 }, skipped.value),
        .required("underlay", { $0.underlay }, { $0.underlay = $1 }, .string),
        .required("vxlan6Device", { $0.vxlan6Device }, { $0.vxlan6Device = $1 }, .string),
        .required("vxlanDevice", { $0.vxlanDevice }, { $0.vxlanDevice = $1 }, .string),
    ])

    /// One family's part of the contract; its prefixes must be of that family.
    static func family(_ family: AddressFamily) -> JSONObjectFormat<Ownership.Family, Ownership.Family> {
        let prefix: JSONValueFormat<IPPrefix> = .text(
            "not an \(family == .inet ? "IPv4" : "IPv6") prefix", write: { $0.ipPrefix($1) }
        ) { text in IPPrefix(text).flatMap { $0.family == family ? $0 : nil } }
        let none = IPPrefix(address: family == .inet ? .v4(IPv4Address(0)) : .v6(IPv6Address(high: 0, low: 0)), length: 0)
        return JSONObjectFormat<Ownership.Family, Ownership.Family>(blank: Ownership.Family(cluster: none, ownSubnet: nil, subnetLengths: []), [
            .required("cluster", { $0.cluster }, { $0.cluster = $1 }, prefix),
            .optional("ownSubnet", { $0.ownSubnet }, { $0.ownSubnet = $1 }, prefix),
            .required("subnetLengths", { $0.subnetLengths }, { $0.subnetLengths = $1 }, .array(.integer(UInt8.self))),
        ])
    }

    public static let skipped = JSONObjectFormat<SkippedObjects, SkippedDraft>(blank: SkippedDraft(), [
        .defaulted("macs", { $0.macs.sorted() }, { $0.macs = $1 }, .array(.mac)),
        .defaulted("publicIps", { $0.publicIPs.sorted() }, { $0.publicIPs = $1 }, .array(.ipAddress)),
        .defaulted("subnets", { $0.subnets.sorted() }, { $0.subnets = $1 }, .array(.ipPrefix)),
    ]) { (draft: SkippedDraft, _: inout JSONTextReader) throws(JSONReadError) in
        SkippedObjects(subnets: Set(draft.subnets), publicIPs: Set(draft.publicIPs), macs: Set(draft.macs))
    }

    public struct SkippedDraft: Sendable {
        var macs: [MACAddress] = []
        var publicIPs: [IPAddress] = []
        var subnets: [IPPrefix] = []
    }

    private static var blankOwnership: Ownership {
        Ownership(ipv4: nil, ipv6: nil, vxlanDevice: "", vxlan6Device: "", underlay: "")
    }
}
