import CMnl
import Glibc
import NetState
import Netlink

/// A decoded `RTM_NEWADDR` of family `AF_INET`.
public struct AddressMessage: Hashable, Sendable {
    public var index: UInt32
    public var family: UInt8
    /// `IFA_LOCAL` (the device's own address) with `ifa_prefixlen`; `IFA_ADDRESS` when there is
    /// no `IFA_LOCAL`. Nil for non-IPv4 families.
    public var address: InterfaceAddress?

    public init(decoding message: NetlinkMessage) throws(NetlinkError) {
        let reader = try PayloadReader(message, header: MemoryLayout<ifaddrmsg>.size, what: "RTM_NEWADDR")
        family = reader.uint8(0)
        let length = reader.uint8(1)
        index = reader.load(UInt32.self, 4)
        guard family == UInt8(AF_INET) else { return }
        var local: IPv4Address?
        var peer: IPv4Address?
        for attribute in try reader.attributes() {
            switch Int(attribute.type) {
            case IFA_LOCAL: local = try attribute.ipv4("IFA_LOCAL")
            case IFA_ADDRESS: peer = try attribute.ipv4("IFA_ADDRESS")
            default: break
            }
        }
        if let chosen = local ?? peer { address = InterfaceAddress(address: chosen, length: min(length, 32)) }
    }
}
