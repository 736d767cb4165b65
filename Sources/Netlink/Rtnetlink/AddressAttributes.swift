import CMnl
import Glibc

/// An interface address as rtnetlink carries it (`ifaddrmsg`, `IFA_LOCAL`, `IFA_ADDRESS`): the
/// request builder, the decoder and the dump request of one kind. Addresses are IPv4 in host
/// order.
public struct AddressAttributes: Hashable, Sendable {
    /// `AF_INET`: the only family whose attributes are read and written.
    public static let inet = UInt8(AF_INET)

    public var family: UInt8
    public var prefixLength: UInt8
    public var scope: UInt8
    public var index: UInt32
    /// `IFA_LOCAL`: the device's own address.
    public var local: UInt32?
    /// `IFA_ADDRESS`: the peer of a point-to-point address, else the address again.
    public var address: UInt32?

    public init(
        family: UInt8 = inet, prefixLength: UInt8, scope: UInt8 = universe, index: UInt32,
        local: UInt32? = nil, address: UInt32? = nil
    ) {
        self.family = family
        self.prefixLength = prefixLength
        self.scope = scope
        self.index = index
        self.local = local
        self.address = address
    }

    /// `RT_SCOPE_UNIVERSE`: a global address.
    public static let universe = UInt8(RT_SCOPE_UNIVERSE.rawValue)

    /// `RTM_NEWADDR` / `RTM_DELADDR` carrying this address.
    public func request(_ operation: RtnetlinkOperation, flags: NetlinkRequest.Flags) -> [UInt8] {
        var request = NetlinkRequest(type: operation == .delete ? RTM_DELADDR : RTM_NEWADDR, flags: flags)
        var header = ifaddrmsg()
        header.ifa_family = family
        header.ifa_prefixlen = prefixLength
        header.ifa_scope = scope
        header.ifa_index = index
        request.putHeader(header)
        if let local { request.putUInt32(UInt16(IFA_LOCAL), bigEndian: local) }
        if let address { request.putUInt32(UInt16(IFA_ADDRESS), bigEndian: address) }
        return request.bytes
    }

    /// `RTM_GETADDR` dump of one family's addresses, optionally of one device (`ifa_index`).
    public static func dumpRequest(family: UInt8 = inet, index: UInt32 = 0, sequence: UInt32 = 0) -> [UInt8] {
        var request = NetlinkRequest(type: RTM_GETADDR, flags: [.request, .dump], sequence: sequence)
        var header = ifaddrmsg()
        header.ifa_family = family
        header.ifa_index = index
        request.putHeader(header)
        return request.bytes
    }

    /// Decodes an `RTM_NEWADDR` or `RTM_DELADDR`. The attributes of other families than
    /// `AF_INET` are not read.
    public init(decoding message: NetlinkMessage) throws(NetlinkError) {
        let reader = try PayloadReader(message, header: MemoryLayout<ifaddrmsg>.size, what: "RTM_NEWADDR")
        let header = reader.header(ifaddrmsg.self)
        self.init(family: header.ifa_family, prefixLength: header.ifa_prefixlen, scope: header.ifa_scope, index: header.ifa_index)
        guard family == Self.inet else { return }
        for attribute in try reader.attributes() {
            switch Int(attribute.type) {
            case IFA_LOCAL: local = try attribute.ipv4("IFA_LOCAL")
            case IFA_ADDRESS: address = try attribute.ipv4("IFA_ADDRESS")
            default: break
            }
        }
    }
}
