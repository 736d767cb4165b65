import NetState
import Netlink

/// A decoded `RTM_NEWROUTE` (from a dump or an `RTM_GETROUTE` lookup) of either family, read in
/// the model's terms. The wire format is `Netlink`'s `RouteAttributes`; this only names its
/// numbers.
public struct RouteMessage: Hashable, Sendable {
    public var attributes: RouteAttributes

    public init(decoding message: NetlinkMessage) throws(NetlinkError) {
        attributes = try RouteAttributes(decoding: message)
    }

    public var family: UInt8 { attributes.family }
    /// The destination, its length clamped to the family's width (32 or 128); `0.0.0.0/0` for
    /// a route of a family that is neither IPv4 nor IPv6 (never read into the model).
    public var destination: IPPrefix {
        IPPrefix(family: family, address: attributes.destination, length: attributes.destinationLength)
            ?? .v4(IPv4Prefix(address: IPv4Address(0), length: 0))
    }
    public var tos: UInt8 { attributes.tos }
    public var table: RouteTable { RouteTable(rawValue: attributes.table) }
    public var proto: RouteProtocol { RouteProtocol(rawValue: attributes.proto) }
    public var scope: RouteScope { RouteScope(rawValue: attributes.scope) }
    public var type: RouteType { RouteType(rawValue: attributes.type) }
    public var flags: UInt32 { attributes.flags }
    public var metric: UInt32 { attributes.metric }
    public var gateway: IPAddress? { attributes.gateway.map(IPAddress.init) }
    public var outputIndex: UInt32? { attributes.outputIndex }
    public var preferredSource: IPAddress? { attributes.preferredSource.map(IPAddress.init) }
    /// `RTA_MULTIPATH` was present: the model has no word for ECMP routes.
    public var isMultipath: Bool { attributes.isMultipath }
    /// `RTNH_F_ONLINK` in `rtm_flags`.
    public var isOnLink: Bool { attributes.isOnLink }

    /// The route as the model's `Route`, IPv4 or IPv6; nil for other families and multipath
    /// routes, which the model does not hold (and the reconciler never owns). An IPv6 route
    /// keeps the metric the kernel gave it (1024 when none was asked for): it is part of its key.
    public func route(deviceNames: [UInt32: String]) -> Route? {
        guard !isMultipath, let destination = IPPrefix(family: family, address: attributes.destination, length: attributes.destinationLength)
        else { return nil }
        return Route(
            key: Route.Key(table: table, destination: destination, tos: tos, metric: metric),
            type: type, gateway: gateway, device: outputIndex.map { deviceNames[$0] ?? "if\($0)" },
            scope: scope, proto: proto, onLink: isOnLink, preferredSource: preferredSource
        )
    }
}
