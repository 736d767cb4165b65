import CMnl
import Glibc
import NetState
import Netlink

/// A decoded `RTM_NEWROUTE` (from a dump or an `RTM_GETROUTE` lookup).
public struct RouteMessage: Hashable, Sendable {
    public var family: UInt8
    public var destination: IPv4Prefix
    public var tos: UInt8
    /// `RTA_TABLE` when present (tables above 255), else `rtm_table`.
    public var table: RouteTable
    public var proto: RouteProtocol
    public var scope: RouteScope
    public var type: RouteType
    public var flags: UInt32
    public var metric: UInt32
    public var gateway: IPv4Address?
    public var outputIndex: UInt32?
    public var preferredSource: IPv4Address?
    /// `RTA_MULTIPATH` was present: the model has no word for ECMP routes.
    public var isMultipath: Bool

    public init(decoding message: NetlinkMessage) throws(NetlinkError) {
        let reader = try PayloadReader(message, header: MemoryLayout<rtmsg>.size, what: "RTM_NEWROUTE")
        family = reader.uint8(0)
        let length = reader.uint8(1)
        tos = reader.uint8(3)
        table = RouteTable(rawValue: UInt32(reader.uint8(4)))
        proto = RouteProtocol(rawValue: reader.uint8(5))
        scope = RouteScope(rawValue: reader.uint8(6))
        type = RouteType(rawValue: reader.uint8(7))
        flags = reader.load(UInt32.self, 8)
        metric = 0
        isMultipath = false
        var address = IPv4Address(0)
        destination = IPv4Prefix(address: address, length: min(length, 32))
        guard family == UInt8(AF_INET) else { return }
        var table = self.table
        var metric: UInt32 = 0
        var gateway: IPv4Address?
        var outputIndex: UInt32?
        var preferredSource: IPv4Address?
        var isMultipath = false
        try reader.forEachAttribute { (attribute) throws(NetlinkError) in
            switch UInt32(attribute.type) {
            case RTA_DST.rawValue: address = try attribute.ipv4("RTA_DST")
            case RTA_TABLE.rawValue: table = RouteTable(rawValue: try attribute.u32("RTA_TABLE"))
            case RTA_PRIORITY.rawValue: metric = try attribute.u32("RTA_PRIORITY")
            case RTA_GATEWAY.rawValue: gateway = try attribute.ipv4("RTA_GATEWAY")
            case RTA_OIF.rawValue: outputIndex = try attribute.u32("RTA_OIF")
            case RTA_PREFSRC.rawValue: preferredSource = try attribute.ipv4("RTA_PREFSRC")
            case RTA_MULTIPATH.rawValue: isMultipath = true
            default: break
            }
        }
        self.table = table
        self.metric = metric
        self.gateway = gateway
        self.outputIndex = outputIndex
        self.preferredSource = preferredSource
        self.isMultipath = isMultipath
        destination = IPv4Prefix(address: address, length: min(length, 32))
    }

    /// `RTNH_F_ONLINK` in `rtm_flags`.
    public var isOnLink: Bool { flags & UInt32(RTNH_F_ONLINK) != 0 }

    /// The route as the model's `Route`; nil for non-IPv4 and multipath routes, which the model
    /// does not hold (and the reconciler never owns).
    public func route(deviceNames: [UInt32: String]) -> Route? {
        guard family == UInt8(AF_INET), !isMultipath else { return nil }
        return Route(
            key: Route.Key(table: table, destination: destination, tos: tos, metric: metric),
            type: type, gateway: gateway,
            device: outputIndex.map { deviceNames[$0] ?? "if\($0)" },
            scope: scope, proto: proto, onLink: isOnLink, preferredSource: preferredSource
        )
    }
}
