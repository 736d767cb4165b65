/// An IPv4 address assigned to a device with its prefix length (host bits kept, unlike
/// `IPv4Prefix`): `10.244.1.0/32` on `flannel.1`.
public struct InterfaceAddress: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var address: IPv4Address
    public var length: UInt8

    public init(address: IPv4Address, length: UInt8) {
        self.address = address
        self.length = length
    }

    public init?(_ text: some StringProtocol) {
        guard let slash = text.firstIndex(of: "/"), let address = IPv4Address(text[..<slash]),
              let length = UInt8(text[text.index(after: slash)...]), length <= 32
        else { return nil }
        self.init(address: address, length: length)
    }

    /// The network this address sits on.
    public var network: IPv4Prefix { IPv4Prefix(address: address, length: length) }

    public var description: String { "\(address)/\(length)" }

    public static func < (lhs: InterfaceAddress, rhs: InterfaceAddress) -> Bool {
        (lhs.address, lhs.length) < (rhs.address, rhs.length)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = InterfaceAddress(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an address/len: \(text)")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
