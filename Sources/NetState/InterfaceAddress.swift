/// An address assigned to a device with its prefix length (host bits kept, unlike `IPPrefix`):
/// `10.244.1.0/32` on `flannel.1`, `fd00:10:244:1::/128` on `flannel-v6.1`.
public struct InterfaceAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var length: UInt8

    public init(address: IPAddress, length: UInt8) {
        self.address = address
        self.length = length
    }

    public init(address: IPv4Address, length: UInt8) { self.init(address: .v4(address), length: length) }

    /// Parses `address/len` of either family; the length at most the family's width.
    public init?(_ text: some StringProtocol) {
        guard let slash = text.firstIndex(of: "/"), let address = IPAddress(text[..<slash]) else { return nil }
        let digits = text[text.index(after: slash)...]
        guard (1...(address.family == .inet ? 2 : 3)).contains(digits.utf8.count), digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
              let length = UInt8(digits), length <= address.bitWidth
        else { return nil }
        self.init(address: address, length: length)
    }

    public var family: AddressFamily { address.family }

    /// The network this address sits on.
    public var network: IPPrefix { IPPrefix(address: address, length: length) }

    public var description: String { address.description + "/" + String(length) }

    public static func < (lhs: InterfaceAddress, rhs: InterfaceAddress) -> Bool {
        (lhs.address, lhs.length) < (rhs.address, rhs.length)
    }
}
