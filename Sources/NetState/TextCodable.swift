/// A value stored in JSON as the text iproute2 prints (`"10.244.1.0/24"`, `"0e:4c:8b:10:01:01"`),
/// so snapshots and plans read like the commands and can be written by hand.
protocol TextCodable: Codable, CustomStringConvertible {
    /// How the value is named in a decoding error: "an IPv4 address".
    static var kind: String { get }
    init?(parsing text: String)
}

extension TextCodable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Self(parsing: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not \(Self.kind): \(text)")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension IPv4Address {
    init?(parsing text: String) { self.init(text) }
}

extension IPv4Prefix {
    init?(parsing text: String) { self.init(text) }
}

extension MACAddress {
    init?(parsing text: String) { self.init(text) }
}

extension InterfaceAddress {
    init?(parsing text: String) { self.init(text) }
}
