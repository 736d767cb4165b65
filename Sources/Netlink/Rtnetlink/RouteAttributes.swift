import CMnl
import Glibc

/// A route as rtnetlink carries it (`rtmsg` and its `RTA_*` attributes), in plain numbers: the
/// request builder, the decoder and the dump and lookup requests of one kind, so the wire format
/// of a route is written down once. Routes of both IP families (`rtm_family` `AF_INET` or
/// `AF_INET6`) are read and written, their addresses `NetlinkAddress`es of that family;
/// `Observed` and `Apply` convert to and from the model's `Route`.
public struct RouteAttributes: Hashable, Sendable {
    /// `AF_INET`.
    public static let inet = UInt8(AF_INET)
    /// `AF_INET6`.
    public static let inet6 = UInt8(AF_INET6)

    public var family: UInt8
    /// `RTA_DST`; nil when absent (a default route: the family's zero address).
    public var destination: NetlinkAddress?
    /// `rtm_dst_len`, as the kernel sent it (not clamped).
    public var destinationLength: UInt8
    public var tos: UInt8
    /// `RTA_TABLE` when present (tables above 255), else `rtm_table`.
    public var table: UInt32
    public var proto: UInt8
    public var scope: UInt8
    public var type: UInt8
    /// `rtm_flags` (`RTNH_F_ONLINK`, …).
    public var flags: UInt32
    /// `RTA_PRIORITY`; 0 when absent.
    public var metric: UInt32
    public var gateway: NetlinkAddress?
    public var outputIndex: UInt32?
    public var preferredSource: NetlinkAddress?
    /// `RTA_MULTIPATH` was present (decoding only: ECMP routes are never written).
    public var isMultipath: Bool

    public init(
        family: UInt8 = inet, destination: NetlinkAddress? = nil, destinationLength: UInt8 = 0, tos: UInt8 = 0,
        table: UInt32, proto: UInt8, scope: UInt8, type: UInt8, flags: UInt32 = 0, metric: UInt32 = 0,
        gateway: NetlinkAddress? = nil, outputIndex: UInt32? = nil, preferredSource: NetlinkAddress? = nil
    ) {
        self.family = family
        self.destination = destination
        self.destinationLength = destinationLength
        self.tos = tos
        self.table = table
        self.proto = proto
        self.scope = scope
        self.type = type
        self.flags = flags
        self.metric = metric
        self.gateway = gateway
        self.outputIndex = outputIndex
        self.preferredSource = preferredSource
        self.isMultipath = false
    }

    /// `RTNH_F_ONLINK` in `rtm_flags`: the gateway is on the device though no address says so.
    public var isOnLink: Bool {
        get { flags & UInt32(RTNH_F_ONLINK) != 0 }
        set { flags = newValue ? flags | UInt32(RTNH_F_ONLINK) : flags & ~UInt32(RTNH_F_ONLINK) }
    }

    /// `rtm_scope` that matches any scope in a delete, as `ip route del` sends.
    public static let anyScope = UInt8(RT_SCOPE_NOWHERE.rawValue)

    // MARK: Encoding

    /// `RTM_NEWROUTE` / `RTM_DELROUTE` carrying this route.
    ///
    /// The table goes in `rtm_table` when it fits a byte, else in `RTA_TABLE` with `rtm_table`
    /// `RT_TABLE_UNSPEC`, as iproute2 does. `RTA_DST` is left out for a default route and
    /// `RTA_PRIORITY` for metric 0, as the kernel reports them. (An IPv6 route added without a
    /// metric gets 1024 from the kernel, which then reports it: the model's IPv6 routes carry
    /// it, so it is sent.) The addresses go with the bytes of their own family, which the
    /// caller keeps equal to `family`: the kernel refuses an `RTA_DST` of the wrong length.
    public func request(_ operation: RtnetlinkOperation, flags: NetlinkRequest.Flags) -> [UInt8] {
        var request = NetlinkRequest(type: operation == .delete ? RTM_DELROUTE : RTM_NEWROUTE, flags: flags)
        request.putHeader(header(table: table))
        if table >= 256 { request.putUInt32(UInt16(RTA_TABLE.rawValue), table) }
        if destinationLength > 0, let destination { request.putAddress(UInt16(RTA_DST.rawValue), destination) }
        if metric != 0 { request.putUInt32(UInt16(RTA_PRIORITY.rawValue), metric) }
        if let preferredSource { request.putAddress(UInt16(RTA_PREFSRC.rawValue), preferredSource) }
        if let gateway { request.putAddress(UInt16(RTA_GATEWAY.rawValue), gateway) }
        if let outputIndex { request.putUInt32(UInt16(RTA_OIF.rawValue), outputIndex) }
        return request.bytes
    }

    private func header(table: UInt32) -> rtmsg {
        var header = rtmsg()
        header.rtm_family = family
        header.rtm_dst_len = destinationLength
        header.rtm_tos = tos
        header.rtm_table = Self.headerTable(table)
        header.rtm_protocol = proto
        header.rtm_scope = scope
        header.rtm_type = type
        header.rtm_flags = flags
        return header
    }

    /// `rtm_table`: the table when it fits a byte, else `RT_TABLE_UNSPEC` (then `RTA_TABLE`).
    private static func headerTable(_ table: UInt32) -> UInt8 {
        table < 256 ? UInt8(table) : UInt8(RT_TABLE_UNSPEC.rawValue)
    }

    /// `RTM_GETROUTE` dump of one family's routes of one table (`rtm_table` and `RTA_TABLE`,
    /// which `NETLINK_GET_STRICT_CHK` lets the kernel filter by).
    public static func dumpRequest(family: UInt8 = inet, table: UInt32, sequence: UInt32 = 0) -> [UInt8] {
        var request = NetlinkRequest(type: RTM_GETROUTE, flags: [.request, .dump], sequence: sequence)
        var header = rtmsg()
        header.rtm_family = family
        header.rtm_table = headerTable(table)
        request.putHeader(header)
        request.putUInt32(UInt16(RTA_TABLE.rawValue), table)
        return request.bytes
    }

    /// `RTM_GETROUTE` lookup of one destination of either family (what `ip route get IP` and
    /// `ip -6 route get IP` ask): `rtm_family` the address's, `rtm_dst_len` its width (32 or
    /// 128). The kernel answers with the route it would use.
    public static func lookupRequest(_ destination: NetlinkAddress, sequence: UInt32 = 0) -> [UInt8] {
        var request = NetlinkRequest(type: RTM_GETROUTE, flags: [.request, .ack], sequence: sequence, capacity: 64)
        var header = rtmsg()
        header.rtm_family = destination.family
        header.rtm_dst_len = destination.bitWidth
        request.putHeader(header)
        request.putAddress(UInt16(RTA_DST.rawValue), destination)
        return request.bytes
    }

    // MARK: Decoding

    /// Decodes an `RTM_NEWROUTE` or `RTM_DELROUTE` (a dump, a lookup answer, a notification).
    /// The attributes of other families than `AF_INET` and `AF_INET6` are not read; an address
    /// shorter than its family's (an IPv6 `RTA_DST` of 4 bytes) is a decode error naming the
    /// attribute.
    public init(decoding message: NetlinkMessage) throws(NetlinkError) {
        let reader = try PayloadReader(message, header: MemoryLayout<rtmsg>.size, what: "RTM_NEWROUTE")
        let header = reader.header(rtmsg.self)
        self.init(
            family: header.rtm_family, destinationLength: header.rtm_dst_len, tos: header.rtm_tos,
            table: UInt32(header.rtm_table), proto: header.rtm_protocol, scope: header.rtm_scope,
            type: header.rtm_type, flags: header.rtm_flags
        )
        guard family == Self.inet || family == Self.inet6 else { return }
        let family = family
        try reader.forEachAttribute { (attribute) throws(NetlinkError) in
            switch UInt32(attribute.type) {
            case RTA_DST.rawValue: destination = try attribute.address(family: family, "RTA_DST")
            case RTA_TABLE.rawValue: table = try attribute.u32("RTA_TABLE")
            case RTA_PRIORITY.rawValue: metric = try attribute.u32("RTA_PRIORITY")
            case RTA_GATEWAY.rawValue: gateway = try attribute.address(family: family, "RTA_GATEWAY")
            case RTA_OIF.rawValue: outputIndex = try attribute.u32("RTA_OIF")
            case RTA_PREFSRC.rawValue: preferredSource = try attribute.address(family: family, "RTA_PREFSRC")
            case RTA_MULTIPATH.rawValue: isMultipath = true
            default: break
            }
        }
    }
}
