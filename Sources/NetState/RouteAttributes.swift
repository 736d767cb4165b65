/// `rtm_protocol`: who installed a route. Flannel's routes carry `boot` (netlink's default, which
/// `ip route` does not print); connected routes carry `kernel`.
public struct RouteProtocol: KernelEnum {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let unspec = RouteProtocol(rawValue: 0)
    public static let redirect = RouteProtocol(rawValue: 1)
    public static let kernel = RouteProtocol(rawValue: 2)
    public static let boot = RouteProtocol(rawValue: 3)
    public static let `static` = RouteProtocol(rawValue: 4)

    public static let names: [UInt8: String] = [
        0: "unspec", 1: "redirect", 2: "kernel", 3: "boot", 4: "static", 8: "gated", 9: "ra", 10: "mrt",
        11: "zebra", 12: "bird", 13: "dnrouted", 14: "xorp", 15: "ntk", 16: "dhcp", 17: "mrouted",
        18: "keepalived", 42: "babel", 186: "bgp", 187: "isis", 188: "ospf", 189: "rip", 192: "eigrp",
    ]
}

/// `rtm_scope`. Gateway routes are `global` (universe); connected routes are `link`.
public struct RouteScope: KernelEnum {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let universe = RouteScope(rawValue: 0)
    public static let site = RouteScope(rawValue: 200)
    public static let link = RouteScope(rawValue: 253)
    public static let host = RouteScope(rawValue: 254)
    public static let nowhere = RouteScope(rawValue: 255)

    public static let names: [UInt8: String] = [0: "global", 200: "site", 253: "link", 254: "host", 255: "nowhere"]
}

/// `rtm_type`. Only unicast routes are ever owned; blackholes inside the cluster CIDR belong to
/// someone else (flannel's `--ip-blackhole-route`, Canal).
public struct RouteType: KernelEnum {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let unicast = RouteType(rawValue: 1)
    public static let local = RouteType(rawValue: 2)
    public static let broadcast = RouteType(rawValue: 3)
    public static let blackhole = RouteType(rawValue: 6)
    public static let unreachable = RouteType(rawValue: 7)
    public static let prohibit = RouteType(rawValue: 8)

    public static let names: [UInt8: String] = [
        0: "none", 1: "unicast", 2: "local", 3: "broadcast", 4: "anycast", 5: "multicast", 6: "blackhole",
        7: "unreachable", 8: "prohibit", 9: "throw", 10: "nat", 11: "xresolve",
    ]
}

/// A routing table id. `main` is 254.
public struct RouteTable: KernelEnum {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let main = RouteTable(rawValue: 254)
    public static let local = RouteTable(rawValue: 255)
    public static let `default` = RouteTable(rawValue: 253)

    public static let names: [UInt32: String] = [253: "default", 254: "main", 255: "local"]
}
