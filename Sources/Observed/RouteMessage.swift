import NetState
import Netlink

/// A decoded `RTM_NEWROUTE` (from a dump or an `RTM_GETROUTE` lookup) read in the model's
/// terms. The wire format is `Netlink`'s `RouteAttributes`; this only names its numbers.
public struct RouteMessage: Hashable, Sendable {
    public var attributes: RouteAttributes

    public init(decoding message: NetlinkMessage) throws(NetlinkError) {
        attributes = try RouteAttributes(decoding: message)
    }

    public var family: UInt8 { attributes.family }
    /// The destination, its length clamped to 32 (0.0.0.0 for non-IPv4 routes).
    public var destination: IPv4Prefix {
        IPv4Prefix(address: IPv4Address(attributes.destination), length: min(attributes.destinationLength, 32))
    }
    public var tos: UInt8 { attributes.tos }
    public var table: RouteTable { RouteTable(rawValue: attributes.table) }
    public var proto: RouteProtocol { RouteProtocol(rawValue: attributes.proto) }
    public var scope: RouteScope { RouteScope(rawValue: attributes.scope) }
    public var type: RouteType { RouteType(rawValue: attributes.type) }
    public var flags: UInt32 { attributes.flags }
    public var metric: UInt32 { attributes.metric }
    public var gateway: IPv4Address? { attributes.gateway.map(IPv4Address.init) }
    public var outputIndex: UInt32? { attributes.outputIndex }
    public var preferredSource: IPv4Address? { attributes.preferredSource.map(IPv4Address.init) }
    /// `RTA_MULTIPATH` was present: the model has no word for ECMP routes.
    public var isMultipath: Bool { attributes.isMultipath }
    /// `RTNH_F_ONLINK` in `rtm_flags`.
    public var isOnLink: Bool { attributes.isOnLink }

    /// The route as the model's `Route`; nil for non-IPv4 and multipath routes, which the model
    /// does not hold (and the reconciler never owns).
    public func route(deviceNames: [UInt32: String]) -> Route? {
        guard family == AddressFamily.inet.rawValue, !isMultipath else { return nil }
        return Route(
            key: Route.Key(table: table, destination: destination, tos: tos, metric: metric),
            type: type, gateway: gateway.map(IPAddress.v4),
            device: outputIndex.map { deviceNames[$0] ?? "if\($0)" },
            scope: scope, proto: proto, onLink: isOnLink, preferredSource: preferredSource.map(IPAddress.v4)
        )
    }
}
