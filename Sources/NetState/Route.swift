/// A route. Its identity is the kernel's: two routes with the same table, family, destination,
/// TOS and metric are the same route, and `NLM_F_REPLACE` swaps one for the other in place.
public struct Route: Hashable, Sendable {
    public struct Key: Hashable, Comparable, Sendable {
        public var table: RouteTable
        /// The destination, whose case is the route's family: the kernel keeps one table per
        /// family, so an IPv4 and an IPv6 route are never the same route.
        public var destination: IPPrefix
        public var tos: UInt8
        public var metric: UInt32

        public init(table: RouteTable = .main, destination: IPPrefix, tos: UInt8 = 0, metric: UInt32 = 0) {
            self.table = table
            self.destination = destination
            self.tos = tos
            self.metric = metric
        }

        public init(table: RouteTable = .main, destination: IPv4Prefix, tos: UInt8 = 0, metric: UInt32 = 0) {
            self.init(table: table, destination: .v4(destination), tos: tos, metric: metric)
        }

        public init(table: RouteTable = .main, destination: IPv6Prefix, tos: UInt8 = 0, metric: UInt32 = 0) {
            self.init(table: table, destination: .v6(destination), tos: tos, metric: metric)
        }

        public var family: AddressFamily { destination.family }

        /// Table, family, destination address, prefix length, TOS, metric: IPv4 keys order as
        /// `ip route` lists them, IPv6 keys after them as `ip -6 route` does. Compared field by
        /// field on integers: sorting tens of thousands of keys does this.
        public static func < (lhs: Key, rhs: Key) -> Bool {
            if lhs.table != rhs.table { return lhs.table.rawValue < rhs.table.rawValue }
            if lhs.destination != rhs.destination { return lhs.destination < rhs.destination }
            return (lhs.tos, lhs.metric) < (rhs.tos, rhs.metric)
        }

        /// The key as words: for an IPv4 key two, for an IPv6 key three. Hashing tens of
        /// thousands of keys combines these instead of walking the enum field by field.
        public func hash(into hasher: inout Hasher) {
            let tail = UInt64(destination.length) << 40 | UInt64(tos) << 32 | UInt64(metric)
            switch destination {
            case let .v4(prefix):
                hasher.combine(UInt64(table.rawValue) << 32 | UInt64(prefix.address.value))
                hasher.combine(tail)
            case let .v6(prefix):
                hasher.combine(prefix.address.high)
                hasher.combine(prefix.address.low)
                hasher.combine(UInt64(table.rawValue) << 48 ^ UInt64(1) << 47 ^ tail)
            }
        }
    }

    public var key: Key
    public var type: RouteType
    /// The next hop, of the route's family.
    public var gateway: IPAddress?
    /// The output device's name; nil for routes without one (blackhole, unreachable).
    public var device: String?
    public var scope: RouteScope
    public var proto: RouteProtocol
    /// `RTNH_F_ONLINK`: the gateway is on the device even though no address says so. Flannel's
    /// vxlan routes need it because `S.0` is not on any connected network.
    public var onLink: Bool
    /// `RTA_PREFSRC`, as connected routes carry it.
    public var preferredSource: IPAddress?

    public init(
        key: Key, type: RouteType = .unicast, gateway: IPAddress? = nil, device: String? = nil,
        scope: RouteScope = .universe, proto: RouteProtocol = .boot, onLink: Bool = false,
        preferredSource: IPAddress? = nil
    ) {
        self.key = key
        self.type = type
        self.gateway = gateway
        self.device = device
        self.scope = scope
        self.proto = proto
        self.onLink = onLink
        self.preferredSource = preferredSource
    }

    public var destination: IPPrefix { key.destination }
    public var family: AddressFamily { key.destination.family }
}

extension Route: TextAppending {
    /// Appends the listing line: a plan at 5,000 peers prints tens of thousands of these.
    public func append(to text: inout TextBuffer) {
        let start = text.count
        func space() { if text.count > start { text.append(ascii: UInt8(ascii: " ")) } }
        if type != .unicast { text.append(type.description) }
        space()
        if key.destination.isHost {
            key.destination.address.append(to: &text)
        } else {
            key.destination.append(to: &text)
        }
        if key.tos != 0 {
            text.append(" tos 0x")
            text.append(String(key.tos, radix: 16))
        }
        if let gateway {
            text.append(" via ")
            gateway.append(to: &text)
        }
        if let device {
            text.append(" dev ")
            text.append(device)
        }
        if key.table != .main {
            text.append(" table ")
            text.append(key.table.description)
        }
        if proto != .boot {
            text.append(" proto ")
            text.append(proto.description)
        }
        if scope != .universe {
            text.append(" scope ")
            text.append(scope.description)
        }
        if let preferredSource {
            text.append(" src ")
            preferredSource.append(to: &text)
        }
        if key.metric != 0 {
            text.append(" metric ")
            text.append(decimal: UInt64(key.metric))
        }
        if onLink { text.append(" onlink") }
    }
}
