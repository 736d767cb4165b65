import Foundation
import Observed

/// Every JSON the tool prints: sorted keys and snake_case so output is stable and greppable.
///
/// The documents that grow with the cluster (snapshots, desired states, plans) are written by
/// `JSONTextWriter`, byte for byte what `JSONEncoder` printed (the golden and Observed tests hold
/// them side by side): at 50,000 peers the encoder took 300 MB and 1.9 s. Anything else still
/// goes through `JSONEncoder`.
enum JSONOutput {
    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }

    /// `observe -o json`: the owned state and the link facts.
    static func encode(_ snapshot: Snapshot) throws -> String {
        var bytes = snapshot.encodedBytes(keyStyle: .snakeCase)
        bytes.append(0x0a)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A document written with `write`, with the final newline.
    static func render(capacity: Int, _ write: (inout JSONTextWriter) -> Void) -> String {
        var writer = JSONTextWriter(keyStyle: .snakeCase, capacity: capacity)
        write(&writer)
        var bytes = writer.bytes
        writer = JSONTextWriter(keyStyle: .snakeCase, capacity: 0)
        bytes.append(0x0a)
        return String(decoding: bytes, as: UTF8.self)
    }
}

struct AnyEncodable: Encodable {
    private let encodeValue: (any Encoder) throws -> Void
    init(_ value: some Encodable) { encodeValue = value.encode(to:) }
    func encode(to encoder: any Encoder) throws { try encodeValue(encoder) }
}
