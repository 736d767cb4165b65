import Foundation
import InputFiles
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
    /// The bytes `JSONEncoder` wrote with `[.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]`,
    /// written directly (`JSONTextWriter`): at 50,000 peers the encoder's tree cost hundreds of
    /// megabytes.
    public func encoded() throws(Failure) -> Data { Data(encodedBytes()) }

    /// `encoded()` as bytes, without the copy into `Data`.
    public func encodedBytes(keyStyle: JSONTextWriter.KeyStyle = .camelCase) -> [UInt8] {
        let objects = state.routes.count + state.neighbors.count + state.fdb.count + facts.routeLookups.count
        var writer = JSONTextWriter(keyStyle: keyStyle, capacity: 4096 + 240 * objects)
        writer.write(self)
        return writer.bytes
    }

    public func save(path: String) throws(Failure) {
        var bytes = encodedBytes()
        bytes.append(0x0a)
        do {
            try bytes.withUnsafeMutableBytes { buffer in
                guard let base = buffer.baseAddress else { return }
                // No copy of a file that can be tens of megabytes.
                let data = Data(bytesNoCopy: base, count: buffer.count, deallocator: .none)
                try data.write(to: URL(fileURLWithPath: path), options: .atomic)
            }
        } catch {
            throw Failure(path: path, reason: "cannot write: \(error.localizedDescription)")
        }
    }

    /// Reads a snapshot with `JSONTextReader`, building the model as it goes (no document tree).
    /// A file of another version is refused for its version, whatever else is wrong with it.
    public static func decode(_ data: Data, path: String = "-") throws(Failure) -> Snapshot {
        let result: Result<Snapshot, Failure> = data.withUnsafeBytes { buffer in
            Result { () throws(Failure) -> Snapshot in try decode(buffer, path: path) }
        }
        return try result.get()
    }

    static func decode(
        _ bytes: UnsafeRawBufferPointer, path: String, progress: ((Int) -> Void)? = nil
    ) throws(Failure) -> Snapshot {
        var reader = JSONTextReader(bytes)
        reader.progress = progress
        let snapshot: Snapshot
        do {
            snapshot = try reader.readSnapshot()
            try reader.finish()
        } catch {
            try checkVersion(bytes, path: path)
            switch error.kind {
            case .syntax: throw Failure(path: path, reason: "not a snapshot (malformed JSON): \(error.description)")
            case .typeMismatch, .missingKey, .invalid: throw Failure(path: path, reason: error.description)
            }
        }
        guard snapshot.version == currentVersion else { throw unsupported(snapshot.version, path: path) }
        return snapshot
    }

    /// Refuses a document whose top-level `version` is missing or not this build's.
    private static func checkVersion(_ bytes: UnsafeRawBufferPointer, path: String) throws(Failure) {
        var reader = JSONTextReader(bytes)
        let version: Int?
        do {
            version = try reader.readVersionOnly()
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

    /// Reads a snapshot file, or standard input for `-`, through `InputFile`: anything but a
    /// regular file is refused by what it is, and so is a file over `InputFileLimit.snapshot`.
    /// A regular file is mapped and read, giving back each megabyte once read (`MappedFile`).
    public static func load(path: String) throws(Failure) -> Snapshot {
        do {
            if path == "-" {
                return try decode(Data(InputFile.read(path, limit: .snapshot)), path: path)
            }
            let file = try RegularFile(path: path, limit: .snapshot)
            if let mapped = MappedFile(file) {
                return try decode(mapped.bytes, path: path) { mapped.release(below: $0) }
            }
            // Empty (nothing to map) or not mappable: read it the ordinary way.
            return try decode(Data(file.readAll()), path: path)
        } catch let error as InputFileError {
            throw Failure(path: path, reason: error.message)
        } catch let error as Failure {
            throw error
        } catch {
            throw Failure(path: path, reason: "\(error)")
        }
    }
}
