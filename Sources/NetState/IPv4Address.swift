/// An IPv4 address, held as the 32-bit number in host order so that comparison sorts the way
/// `ip route` lists addresses.
public struct IPv4Address: Hashable, Comparable, Sendable {
    public var value: UInt32

    public init(_ value: UInt32) { self.value = value }

    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        value = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// Parses dotted-quad notation strictly: four decimal octets, no leading `+`, no empty parts,
    /// no leading zeros beyond a lone `0` (so `010.1.1.1` is refused, as Go's `net.ParseIP` does).
    public init?(_ text: some StringProtocol) {
        var result: UInt32 = 0
        var octets = 0
        for part in text.split(separator: ".", omittingEmptySubsequences: false) {
            guard octets < 4, (1...3).contains(part.count), part.allSatisfy({ $0.isASCII && $0.isNumber }),
                  !(part.count > 1 && part.first == "0"), let octet = UInt8(part)
            else { return nil }
            result = result << 8 | UInt32(octet)
            octets += 1
        }
        guard octets == 4 else { return nil }
        value = result
    }

    /// The four octets in network order.
    public var octets: [UInt8] {
        [UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8),
         UInt8(truncatingIfNeeded: value)]
    }

    public static func < (lhs: IPv4Address, rhs: IPv4Address) -> Bool { lhs.value < rhs.value }

    /// The address `n` after this one, wrapping at the top of the address space.
    public func advanced(by n: UInt32) -> IPv4Address { IPv4Address(value &+ n) }
}

extension IPv4Address: CustomStringConvertible {
    public var description: String {
        "\(value >> 24).\((value >> 16) & 0xff).\((value >> 8) & 0xff).\(value & 0xff)"
    }
}

extension IPv4Address: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let address = IPv4Address(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an IPv4 address: \(text)")
        }
        self = address
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
