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

    /// `RTM_GETADDR` dump of one family's addresses (IPv4 unless told), optionally of one
    /// device (`ifa_index`).
    public static func addresses(family: AddressFamily = .inet, index: UInt32 = 0, sequence: UInt32 = 0) -> [UInt8] {
        AddressAttributes.dumpRequest(family: family.rawValue, index: index, sequence: sequence)
    }

    /// `RTM_GETROUTE` dump of one family's routes (IPv4 unless told) of one table.
    public static func routes(family: AddressFamily = .inet, table: RouteTable = .main, sequence: UInt32 = 0) -> [UInt8] {
        RouteAttributes.dumpRequest(family: family.rawValue, table: table.rawValue, sequence: sequence)
    }

    /// `RTM_GETNEIGH` dump of one family's neighbours (IPv4 ARP entries unless told, IPv6 NDISC
    /// entries) of one device (0 for all).
    public static func neighbors(family: AddressFamily = .inet, index: UInt32, sequence: UInt32 = 0) -> [UInt8] {
        NeighborAttributes.dumpRequest(family: family.rawValue, index: index, sequence: sequence)
    }

    /// `RTM_GETNEIGH` dump of the fdb entries (`AF_BRIDGE`) of one device (0 for all), towards
    /// VTEPs of either family.
    public static func fdb(index: UInt32, sequence: UInt32 = 0) -> [UInt8] {
        NeighborAttributes.dumpRequest(family: NeighborAttributes.bridge, index: index, sequence: sequence)
    }

    /// `RTM_GETROUTE` lookup of one destination of either family (what `ip route get IP` and
    /// `ip -6 route get IP` ask): the kernel answers with the route it would use.
    public static func lookup(_ destination: IPAddress, sequence: UInt32 = 0) -> [UInt8] {
        RouteAttributes.lookupRequest(NetlinkAddress(destination), sequence: sequence)
    }

    /// `lookup(_:)` of an IPv4 destination.
    public static func lookup(_ destination: IPv4Address, sequence: UInt32 = 0) -> [UInt8] {
        lookup(.v4(destination), sequence: sequence)
    }
}

extension NetlinkAddress {
    /// The wire form of the model's address.
    init(_ address: IPAddress) {
        switch address {
        case let .v4(ipv4): self.init(ipv4: ipv4.value)
        case let .v6(ipv6): self.init(ipv6High: ipv6.high, low: ipv6.low)
        }
    }
}
