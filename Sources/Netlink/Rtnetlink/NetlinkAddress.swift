import CMnl
import Glibc

/// An IP address of either family as rtnetlink carries it: 4 bytes (`AF_INET`) or 16 bytes
/// (`AF_INET6`) in network order. Held as the family and two host-order 64-bit halves, so a
/// route or neighbour decoded from a dump of thousands costs no allocation per address (the
/// model's `IPAddress` lives in `NetState`, which this target may not import; `Observed` and
/// `Apply` convert).
///
/// An IPv4 address is held in the low 32 bits of `low` (`high` 0); an IPv6 address's first
/// eight wire bytes are `high`, the last eight `low`, each most significant byte first.
public struct NetlinkAddress: Hashable, Sendable, CustomStringConvertible {
    /// `AF_INET` or `AF_INET6`.
    public let family: UInt8
    public let high: UInt64
    public let low: UInt64

    /// `AF_INET`.
    public static let inet = UInt8(AF_INET)
    /// `AF_INET6`.
    public static let inet6 = UInt8(AF_INET6)

    /// An IPv4 address, host order (`0x0af40100` is 10.244.1.0).
    public init(ipv4 value: UInt32) {
        family = Self.inet
        high = 0
        low = UInt64(value)
    }

    /// An IPv6 address from its two halves (see the type's doc).
    public init(ipv6High high: UInt64, low: UInt64) {
        family = Self.inet6
        self.high = high
        self.low = low
    }

    /// The all-zero address of `family` (`0.0.0.0`, `::`), what a default route's absent
    /// `RTA_DST` stands for; nil for a family whose addresses are neither 4 nor 16 bytes.
    public static func zero(family: UInt8) -> NetlinkAddress? {
        switch family {
        case inet: NetlinkAddress(ipv4: 0)
        case inet6: NetlinkAddress(ipv6High: 0, low: 0)
        default: nil
        }
    }

    /// The address's bytes on the wire for `family`: 4, 16, or nil for another family.
    public static func byteCount(family: UInt8) -> Int? {
        switch family {
        case inet: 4
        case inet6: 16
        default: nil
        }
    }

    /// 4 or 16.
    public var byteCount: Int { family == Self.inet6 ? 16 : 4 }

    /// The largest prefix length of the family: 32 or 128 (a lookup's `rtm_dst_len`).
    public var bitWidth: UInt8 { family == Self.inet6 ? 128 : 32 }

    /// The IPv4 address in host order; nil for IPv6.
    public var ipv4: UInt32? { family == Self.inet ? UInt32(truncatingIfNeeded: low) : nil }

    /// The address in its family's usual notation, for labels and test failures only (the
    /// model's types print addresses for people): dotted quad, or eight hex groups.
    public var description: String {
        if let ipv4 {
            return "\(ipv4 >> 24).\(ipv4 >> 16 & 0xff).\(ipv4 >> 8 & 0xff).\(ipv4 & 0xff)"
        }
        let groups = (0..<8).map { index in
            String(UInt16(truncatingIfNeeded: (index < 4 ? high : low) >> (48 - 16 * UInt64(index % 4))), radix: 16)
        }
        return groups.joined(separator: ":")
    }

    /// Calls `body` with the wire bytes (4 or 16, network order) without building an array.
    func withWireBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        if family == Self.inet6 {
            let wire = (high.bigEndian, low.bigEndian)
            return withUnsafeBytes(of: wire) { body($0) }
        }
        let wire = UInt32(truncatingIfNeeded: low).bigEndian
        return withUnsafeBytes(of: wire) { body($0) }
    }
}

extension NetlinkRequest {
    /// An address attribute (`RTA_DST`, `NDA_DST`, `IFA_LOCAL`, `IFLA_VXLAN_LOCAL6`, …): its 4 or
    /// 16 bytes in network order.
    public mutating func putAddress(_ type: UInt16, _ address: NetlinkAddress) {
        address.withWireBytes { bytes in putRaw(type, bytes) }
    }
}

extension AttributeView {
    /// The value as an address of `family`: at least 4 bytes for `AF_INET`, at least 16 for
    /// `AF_INET6` (the length checks of `ipv4`, the same error text), nil for any other family
    /// (whose addresses are not read).
    func address(family: UInt8, _ what: String) throws(NetlinkError) -> NetlinkAddress? {
        switch family {
        case NetlinkAddress.inet:
            return NetlinkAddress(ipv4: try ipv4(what))
        case NetlinkAddress.inet6:
            try require(16, what)
            var high: UInt64 = 0
            var low: UInt64 = 0
            for index in 0..<8 { high = high << 8 | UInt64(payload[start + index]) }
            for index in 8..<16 { low = low << 8 | UInt64(payload[start + index]) }
            return NetlinkAddress(ipv6High: high, low: low)
        default:
            return nil
        }
    }
}

extension NetlinkAttribute {
    /// The value as an address of `family`, as `AttributeView.address` reads it.
    func address(family: UInt8, _ what: String) throws(NetlinkError) -> NetlinkAddress? {
        switch family {
        case NetlinkAddress.inet:
            return NetlinkAddress(ipv4: try ipv4(what))
        case NetlinkAddress.inet6:
            let bytes = try require(16, what)
            var high: UInt64 = 0
            var low: UInt64 = 0
            for index in 0..<8 { high = high << 8 | UInt64(bytes[index]) }
            for index in 8..<16 { low = low << 8 | UInt64(bytes[index]) }
            return NetlinkAddress(ipv6High: high, low: low)
        default:
            return nil
        }
    }
}
