/// A route. Its identity is the kernel's: two routes with the same table, family, destination,
/// TOS and metric are the same route, and `NLM_F_REPLACE` swaps one for the other in place.
public struct Route: Hashable, Sendable {
    public struct Key: Hashable, Comparable, Sendable {
        public var table: RouteTable
        public var destination: IPv4Prefix
        public var tos: UInt8
        /// Not written by any format: every route the model holds today is `.inet`, and a key
        /// read back without it is one. Declared after `tos`, where it fills padding: the key
        /// stays 16 bytes, as sorting and hashing tens of thousands of keys like it.
        public var family: AddressFamily = .inet
        public var metric: UInt32


        public init(
            table: RouteTable = .main, family: AddressFamily = .inet, destination: IPv4Prefix, tos: UInt8 = 0,
            metric: UInt32 = 0
        ) {
            self.table = table
            self.family = family
            self.destination = destination
            self.tos = tos
            self.metric = metric
        }

        /// The key as two integers whose order is the key's order: table, destination address,
        /// family, prefix length, TOS, metric. Comparing, hashing and sorting tens of thousands
        /// of keys use it instead of six separate fields. The family sits in the low word's
        /// spare byte, so IPv4 keys order as they always did.
        public var ordinal: (UInt64, UInt64) {
            (
                UInt64(table.rawValue) << 32 | UInt64(destination.address.value),
                UInt64(family.rawValue) << 48 | UInt64(destination.length) << 40 | UInt64(tos) << 32 | UInt64(metric)
            )
        }

        public static func < (lhs: Key, rhs: Key) -> Bool { lhs.ordinal < rhs.ordinal }

        public func hash(into hasher: inout Hasher) {
            let (high, low) = ordinal
            hasher.combine(high)
            hasher.combine(low)
        }
    }

    public var key: Key
    public var type: RouteType
    public var gateway: IPv4Address?
    /// The output device's name; nil for routes without one (blackhole, unreachable).
    public var device: String?
    public var scope: RouteScope
    public var proto: RouteProtocol
    /// `RTNH_F_ONLINK`: the gateway is on the device even though no address says so. Flannel's
    /// vxlan routes need it because `S.0` is not on any connected network.
    public var onLink: Bool
    /// `RTA_PREFSRC`, as connected routes carry it.
    public var preferredSource: IPv4Address?

    public init(
        key: Key, type: RouteType = .unicast, gateway: IPv4Address? = nil, device: String? = nil,
        scope: RouteScope = .universe, proto: RouteProtocol = .boot, onLink: Bool = false,
        preferredSource: IPv4Address? = nil
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

    public var destination: IPv4Prefix { key.destination }
}

extension Route: TextAppending {
    /// Appends the listing line: a plan at 5,000 peers prints tens of thousands of these.
    public func append(to text: inout TextBuffer) {
        let start = text.count
        func space() { if text.count > start { text.append(ascii: UInt8(ascii: " ")) } }
        if type != .unicast { text.append(type.description) }
        space()
        if key.destination.length == 32 {
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
