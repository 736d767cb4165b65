/// The address family of a route or a neighbour, part of its kernel identity: the kernel keeps
/// one table per family, so an IPv4 and an IPv6 route are never the same route.
///
/// The raw values are the kernel's `AF_INET` and `AF_INET6` (Linux's `<sys/socket.h>`), written
/// out because NetState imports nothing; a test in NetlinkTests checks them against the C
/// constants.
public enum AddressFamily: UInt8, Hashable, Comparable, Sendable, CaseIterable {
    case inet = 2
    case inet6 = 10

    public static func < (lhs: AddressFamily, rhs: AddressFamily) -> Bool { lhs.rawValue < rhs.rawValue }
}
