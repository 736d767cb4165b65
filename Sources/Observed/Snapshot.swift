import Foundation
import NetState

/// An observed node saved to a file, so a plan can be computed offline (`plan --observed`).
/// The `version` guards against reading a file written by an incompatible release.
public struct Snapshot: Codable, Hashable, Sendable {
    public static let currentVersion = 1

    public var version: Int
    public var state: NetworkState
    public var facts: LinkFacts

    public init(state: NetworkState, facts: LinkFacts) {
        version = Snapshot.currentVersion
        self.state = state
        self.facts = facts
    }

    public init(_ node: ObservedNode) { self.init(state: node.state, facts: node.facts) }

    public var node: ObservedNode { ObservedNode(state: state, facts: facts) }

    public struct Failure: Error, Hashable, Sendable, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "snapshot \(path): \(reason)" }
    }

    /// Stable JSON: sorted keys, pretty printed, so snapshots diff well under version control.
    public func encoded() throws(Failure) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            return try encoder.encode(self)
        } catch {
            throw Failure(path: "-", reason: "cannot encode: \(error)")
        }
    }

    public func save(path: String) throws(Failure) {
        var data = try encoded()
        data.append(0x0a)
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw Failure(path: path, reason: "cannot write: \(error.localizedDescription)")
        }
    }

    public static func decode(_ data: Data, path: String = "-") throws(Failure) -> Snapshot {
        struct VersionOnly: Decodable { var version: Int? }
        let version: Int?
        do {
            version = try JSONDecoder().decode(VersionOnly.self, from: data).version
        } catch {
            throw Failure(path: path, reason: "not a snapshot (malformed JSON): \(error)")
        }
        guard let version else { throw Failure(path: path, reason: "no \"version\" field") }
        guard version == currentVersion else {
            throw Failure(path: path, reason: "version \(version) is not supported (this build reads version \(currentVersion))")
        }
        do {
            return try JSONDecoder().decode(Snapshot.self, from: data)
        } catch let DecodingError.dataCorrupted(context) {
            throw Failure(path: path, reason: Snapshot.describe(context))
        } catch let DecodingError.keyNotFound(key, context) {
            throw Failure(path: path, reason: "missing \"\(key.stringValue)\" at \(Snapshot.where(context))")
        } catch let DecodingError.typeMismatch(_, context) {
            throw Failure(path: path, reason: Snapshot.describe(context))
        } catch let DecodingError.valueNotFound(_, context) {
            throw Failure(path: path, reason: Snapshot.describe(context))
        } catch {
            throw Failure(path: path, reason: "\(error)")
        }
    }

    public static func load(path: String) throws(Failure) -> Snapshot {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw Failure(path: path, reason: "cannot read: \(error.localizedDescription)")
        }
        return try decode(data, path: path)
    }

    private static func `where`(_ context: DecodingError.Context) -> String {
        let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return path.isEmpty ? "top level" : path
    }

    private static func describe(_ context: DecodingError.Context) -> String {
        "\(context.debugDescription) at \(`where`(context))"
    }
}
