import NetState
import Netlink

/// The requests the observer sends: what is read, in the model's terms; the bytes are built by
/// `Netlink`'s per-kind codecs. Dumps ask the kernel to filter (table, device, family) where
/// `NETLINK_GET_STRICT_CHK` lets it; the decoders' callers filter again, so a kernel without
/// strict checking gives the same result, only slower.
public enum DumpRequests {
    /// `RTM_GETLINK` dump of every device (the ifindex ↔ name map needs them all).
    public static func links(sequence: UInt32 = 0) -> [UInt8] {
        LinkAttributes.dumpRequest(sequence: sequence)
    }

    /// `RTM_GETADDR` dump of IPv4 addresses, optionally of one device (`ifa_index`).
    public static func addresses(index: UInt32 = 0, sequence: UInt32 = 0) -> [UInt8] {
        AddressAttributes.dumpRequest(family: AddressFamily.inet.rawValue, index: index, sequence: sequence)
    }

    /// `RTM_GETROUTE` dump of the IPv4 routes of one table.
    public static func routes(table: RouteTable = .main, sequence: UInt32 = 0) -> [UInt8] {
        RouteAttributes.dumpRequest(family: AddressFamily.inet.rawValue, table: table.rawValue, sequence: sequence)
    }

    /// `RTM_GETNEIGH` dump of the IPv4 neighbours (ARP entries) of one device (0 for all).
    public static func neighbors(index: UInt32, sequence: UInt32 = 0) -> [UInt8] {
        NeighborAttributes.dumpRequest(family: AddressFamily.inet.rawValue, index: index, sequence: sequence)
    }

    /// `RTM_GETNEIGH` dump of the fdb entries (`AF_BRIDGE`) of one device (0 for all).
    public static func fdb(index: UInt32, sequence: UInt32 = 0) -> [UInt8] {
        NeighborAttributes.dumpRequest(family: NeighborAttributes.bridge, index: index, sequence: sequence)
    }

    /// `RTM_GETROUTE` lookup of one destination (what `ip route get IP` asks): the kernel
    /// answers with the route it would use.
    public static func lookup(_ destination: IPv4Address, sequence: UInt32 = 0) -> [UInt8] {
        RouteAttributes.lookupRequest(destination.value, sequence: sequence)
    }
}
