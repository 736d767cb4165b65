import Foundation

/// JSON with sorted keys, so encoded bytes can be compared.
enum JSONCoding {
    static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    static func decode<T: Decodable>(_ type: T.Type, from bytes: some Sequence<UInt8>) throws -> T {
        try JSONDecoder().decode(type, from: Data(bytes))
    }

    static func roundTrip<T: Codable>(_ value: T) throws -> T {
        try decode(T.self, from: try encode(value))
    }
}
