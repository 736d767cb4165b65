import NetState

/// An observed node saved to a file, so a plan can be computed offline (`plan --observed`).
/// The `version` guards against reading a file written by an incompatible release. This is the
/// document and its bytes; reading and writing files is the command line's (`SnapshotFile`).
public struct Snapshot: Hashable, Sendable {
    public static let currentVersion = 1

    public var version: Int
    public var state: NetworkState
    public var facts: LinkFacts

    public init(state: NetworkState, facts: LinkFacts) {
        version = Snapshot.currentVersion
        self.state = state
        self.facts = facts
    }

    public struct Failure: Error, Hashable, Sendable, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "snapshot \(path): \(reason)" }

        public init(path: String, reason: String) {
            self.path = path
            self.reason = reason
        }
    }

    /// `facts`, `state`, `version`.
    public static let format = JSONObjectFormat<Snapshot, Snapshot>(blank: Snapshot(state: NetworkState(), facts: LinkFacts(underlay: "")), [
        .required("facts", { $0.facts }, { $0.facts = $1 }, StateFormats.facts.value),
        .required("state", { $0.state }, { $0.state = $1 }, StateFormats.state.value),
        .required("version", { $0.version }, { $0.version = $1 }, .integer(Int.self)),
    ])

    /// Only the top-level `version`: read when a snapshot fails, so that a file of another
    /// version is refused for its version, not for its content.
    private static let versionOnly = JSONObjectFormat<Int?, Int?>(blank: nil, [
        .optional("version", { $0 }, { $0 = $1 }, .integer(Int.self)),
    ])

    /// Stable JSON: sorted keys, pretty printed, so snapshots diff well under version control;
    /// the bytes `JSONEncoder` wrote with `[.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]`.
    /// `observe -o json` writes it with `.snakeCase` keys.
    public func encodedBytes(keyStyle: JSONTextWriter.KeyStyle = .camelCase) -> [UInt8] {
        let objects = state.routes.count + state.neighbors.count + state.fdb.count + facts.routeLookups.count
        var writer = JSONTextWriter(keyStyle: keyStyle, capacity: 4096 + 240 * objects)
        writer.write(self, as: Self.format)
        return writer.bytes
    }

    /// Reads a snapshot, building the model as it goes (no document tree). A file of another
    /// version is refused for its version, whatever else is wrong with it. `progress` is told
    /// the offset read about every megabyte (a mapped file gives back what is behind it).
    public static func decode(
        _ bytes: UnsafeRawBufferPointer, path: String, keyStyle: JSONTextWriter.KeyStyle = .camelCase,
        progress: ((Int) -> Void)? = nil
    ) throws(Failure) -> Snapshot {
        var reader = JSONTextReader(bytes, keyStyle: keyStyle)
        reader.progress = progress
        let snapshot: Snapshot
        do {
            snapshot = try reader.read(format)
            try reader.finish()
        } catch {
            try checkVersion(bytes, path: path, keyStyle: keyStyle)
            if error.isSyntax { throw Failure(path: path, reason: "not a snapshot (malformed JSON): \(error.description)") }
            throw Failure(path: path, reason: error.description)
        }
        guard snapshot.version == currentVersion else { throw unsupported(snapshot.version, path: path) }
        return snapshot
    }

    /// `decode` of bytes held in any collection (an array, `Data`).
    public static func decode(_ bytes: some Sequence<UInt8>, path: String = "-") throws(Failure) -> Snapshot {
        let result: Result<Snapshot, Failure>? = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(Failure) -> Snapshot in try decode(UnsafeRawBufferPointer(buffer), path: path) }
        }
        if let result { return try result.get() }
        return try decode(Array(bytes), path: path)
    }

    /// Refuses a document whose top-level `version` is missing or not this build's.
    private static func checkVersion(
        _ bytes: UnsafeRawBufferPointer, path: String, keyStyle: JSONTextWriter.KeyStyle
    ) throws(Failure) {
        var reader = JSONTextReader(bytes, keyStyle: keyStyle)
        let version: Int?
        do {
            version = try reader.read(versionOnly)
            try reader.finish()
        } catch {
            throw Failure(path: path, reason: "not a snapshot (malformed JSON): \(error.description)")
        }
        guard let version else { throw Failure(path: path, reason: "no \"version\" field") }
        guard version == currentVersion else { throw unsupported(version, path: path) }
    }

    private static func unsupported(_ version: Int, path: String) -> Failure {
        Failure(path: path, reason: "version \(version) is not supported (this build reads version \(currentVersion))")
    }
}
