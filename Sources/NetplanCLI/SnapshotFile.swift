import Foundation
import InputFiles
import Observed
import StateJSON

/// Snapshot files: StateJSON reads and writes the bytes, this reads and writes the files.
extension Snapshot {
    public init(_ node: ObservedNode) { self.init(state: node.state, facts: node.facts) }

    public var node: ObservedNode { ObservedNode(state: state, facts: facts) }

    /// Writes the snapshot and a final newline, atomically.
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

    /// Reads a snapshot file, or standard input for `-`, through `InputFile`: anything but a
    /// regular file is refused by what it is, and so is a file over `InputFileLimit.snapshot`.
    /// A regular file is mapped and read, giving back each megabyte once read (`MappedFile`).
    public static func load(path: String) throws(Failure) -> Snapshot {
        do {
            if path == "-" {
                return try decode(InputFile.read(path, limit: .snapshot), path: path)
            }
            let file = try RegularFile(path: path, limit: .snapshot)
            if let mapped = MappedFile(file) {
                return try decode(mapped.bytes, path: path) { mapped.release(below: $0) }
            }
            // Empty (nothing to map) or not mappable: read it the ordinary way.
            return try decode(file.readAll(), path: path)
        } catch let error as InputFileError {
            throw Failure(path: path, reason: error.message)
        } catch let error as Failure {
            throw error
        } catch {
            throw Failure(path: path, reason: "\(error)")
        }
    }
}
