import NetState
import Netlink

extension NetlinkAddress {
    /// The wire form of the model's address: 4 bytes for `.v4`, 16 for `.v6`.
    init(_ address: IPAddress) {
        switch address {
        case let .v4(ipv4): self.init(ipv4: ipv4.value)
        case let .v6(ipv6): self.init(ipv6High: ipv6.high, low: ipv6.low)
        }
    }
}
