/// An IPv4 address assigned to a device with its prefix length (host bits kept, unlike
/// `IPv4Prefix`): `10.244.1.0/32` on `flannel.1`.
public struct InterfaceAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var address: IPv4Address
    public var length: UInt8

    public init(address: IPv4Address, length: UInt8) {
        self.address = address
        self.length = length
    }

    public init?(_ text: some StringProtocol) {
        guard let slash = text.firstIndex(of: "/"), let address = IPv4Address(text[..<slash]) else { return nil }
        let digits = text[text.index(after: slash)...]
        guard (1...2).contains(digits.utf8.count), digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
              let length = UInt8(digits), length <= 32
        else { return nil }
        self.init(address: address, length: length)
    }

    /// The network this address sits on.
    public var network: IPv4Prefix { IPv4Prefix(address: address, length: length) }

    public var description: String { address.description + "/" + String(length) }

    public static func < (lhs: InterfaceAddress, rhs: InterfaceAddress) -> Bool {
        (lhs.address, lhs.length) < (rhs.address, rhs.length)
    }
}
