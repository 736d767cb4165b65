import NetState

/// `desired -o json`, schema version 2 (docs/plan-json.md; version 2 made the node's IPv4 lease
/// optional beside its IPv6 one and added `vxlan6` and the IPv6 `subnet_env` lines): the node, its desired state and its `subnet.env`
/// variables. Written with snake_case keys, streamed (`write(_:to:)`), and readable for tests.
public struct DesiredDocument: Sendable, Hashable {
    public var formatVersion = 2
    public var node: DocumentNode
    public var state: NetworkState
    public var subnetEnv: [String: String]

    public init(node: DocumentNode, state: NetworkState, subnetEnv: [String: String]) {
        self.node = node
        self.state = state
        self.subnetEnv = subnetEnv
    }

    public static let format = JSONObjectFormat<DesiredDocument, DesiredDocument>(blank: blank, [
        .required("formatVersion", { $0.formatVersion }, { $0.formatVersion = $1 }, .integer(Int.self)),
        .required("node", { $0.node }, { $0.node = $1 }, DocumentNode.desiredFormat.value),
        .required("state", { $0.state }, { $0.state = $1 }, StateFormats.state.value),
        .required("subnetEnv", { $0.subnetEnv }, { $0.subnetEnv = $1 }, .stringMap),
    ])

    private static var blank: DesiredDocument {
        DesiredDocument(
            node: DocumentNode(publicIP: IPv4Address(0), name: nil, lease: IPv4Prefix(address: IPv4Address(0), length: 0), backend: ""),
            state: NetworkState(), subnetEnv: [:]
        )
    }

    /// Writes `documents` (an array of them when `asArray`) to `sink` a megabyte at a time:
    /// at 50,000 peers one document is tens of megabytes.
    public static func write(
        _ documents: [DesiredDocument], asArray: Bool, to sink: @escaping @Sendable ([UInt8]) -> Void
    ) {
        var writer = JSONTextWriter(keyStyle: .snakeCase, capacity: 1 << 20 + 4096)
        writer.stream(every: 1 << 20, to: sink)
        if asArray { writer.beginArray() }
        for document in documents {
            if asArray { writer.element() }
            writer.write(document, as: format)
        }
        if asArray { writer.endArray() }
        writer.flush()
    }
}
