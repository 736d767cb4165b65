import CMnl
import Glibc

/// An interface address as rtnetlink carries it (`ifaddrmsg`, `IFA_LOCAL`, `IFA_ADDRESS`,
/// `IFA_FLAGS`): the request builder, the decoder and the dump request of one kind, for both IP
/// families.
///
/// The kernel reports an IPv4 address in `IFA_LOCAL` (and `IFA_ADDRESS`, the peer or the
/// address again), an IPv6 address in `IFA_ADDRESS` alone (plus `IFA_LOCAL` only for a
/// point-to-point peer); requests carry both, as `ip addr add` and flannel's netlink library
/// send them.
public struct AddressAttributes: Hashable, Sendable {
    /// `AF_INET`.
    public static let inet = UInt8(AF_INET)
    /// `AF_INET6`.
    public static let inet6 = UInt8(AF_INET6)

    public var family: UInt8
    public var prefixLength: UInt8
    public var scope: UInt8
    public var index: UInt32
    /// `IFA_F_*` flags: `ifa_flags` (8 bits) widened by `IFA_FLAGS` when present. The kernel
    /// reports `IFA_F_PERMANENT` on an address added by hand, and `IFA_F_TENTATIVE` on an IPv6
    /// address while duplicate address detection runs.
    public var flags: UInt32
    /// `IFA_LOCAL`: the device's own address.
    public var local: NetlinkAddress?
    /// `IFA_ADDRESS`: the peer of a point-to-point address, else the address again.
    public var address: NetlinkAddress?

    public init(
        family: UInt8 = inet, prefixLength: UInt8, scope: UInt8 = universe, index: UInt32, flags: UInt32 = 0,
        local: NetlinkAddress? = nil, address: NetlinkAddress? = nil
    ) {
        self.family = family
        self.prefixLength = prefixLength
        self.scope = scope
        self.index = index
        self.flags = flags
        self.local = local
        self.address = address
    }

    /// `IFA_F_PERMANENT`: an address configured by hand, not by autoconfiguration.
    public static let permanentFlag = UInt32(IFA_F_PERMANENT)
    /// `IFA_F_TENTATIVE`: an IPv6 address whose duplicate address detection has not finished.
    public static let tentativeFlag = UInt32(IFA_F_TENTATIVE)
    /// `IFA_F_NODAD`: no duplicate address detection (not sent: see `ChangeEncoder.address`).
    public static let noDADFlag = UInt32(IFA_F_NODAD)

    /// `RT_SCOPE_UNIVERSE`: a global address.
    public static let universe = UInt8(RT_SCOPE_UNIVERSE.rawValue)

    /// `RTM_NEWADDR` / `RTM_DELADDR` carrying this address. Flags above the 8 bits of
    /// `ifa_flags` go in `IFA_FLAGS`, as iproute2 sends them.
    public func request(_ operation: RtnetlinkOperation, flags: NetlinkRequest.Flags) -> [UInt8] {
        var request = NetlinkRequest(type: operation == .delete ? RTM_DELADDR : RTM_NEWADDR, flags: flags)
        var header = ifaddrmsg()
        header.ifa_family = family
        header.ifa_prefixlen = prefixLength
        header.ifa_scope = scope
        header.ifa_index = index
        header.ifa_flags = UInt8(truncatingIfNeeded: self.flags)
        request.putHeader(header)
        if let local { request.putAddress(UInt16(IFA_LOCAL), local) }
        if let address { request.putAddress(UInt16(IFA_ADDRESS), address) }
        if self.flags > 0xff { request.putUInt32(UInt16(IFA_FLAGS), self.flags) }
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

    /// Decodes an `RTM_NEWADDR` or `RTM_DELADDR`. The addresses of other families than
    /// `AF_INET` and `AF_INET6` are not read; one shorter than its family's is a decode error
    /// naming the attribute.
    public init(decoding message: NetlinkMessage) throws(NetlinkError) {
        let reader = try PayloadReader(message, header: MemoryLayout<ifaddrmsg>.size, what: "RTM_NEWADDR")
        let header = reader.header(ifaddrmsg.self)
        self.init(
            family: header.ifa_family, prefixLength: header.ifa_prefixlen, scope: header.ifa_scope, index: header.ifa_index,
            flags: UInt32(header.ifa_flags)
        )
        guard family == Self.inet || family == Self.inet6 else { return }
        for attribute in try reader.attributes() {
            switch Int(attribute.type) {
            case IFA_LOCAL: local = try attribute.address(family: family, "IFA_LOCAL")
            case IFA_ADDRESS: address = try attribute.address(family: family, "IFA_ADDRESS")
            case IFA_FLAGS: flags = try attribute.u32("IFA_FLAGS")
            default: break
            }
        }
    }
}
