import CMnl
import Glibc
import NetState
import Netlink

/// The requests the observer sends. Dumps ask the kernel to filter (table, device, family) where
/// `NETLINK_GET_STRICT_CHK` lets it; the decoders' callers filter again, so a kernel without
/// strict checking gives the same result, only slower.
public enum DumpRequests {
    private static let dumpFlags = UInt16(NLM_F_REQUEST | NLM_F_DUMP)

    /// `RTM_GETLINK` dump of every device (the ifindex ↔ name map needs them all).
    public static func links(sequence: UInt32 = 0) -> [UInt8] {
        var request = NetlinkRequest(type: UInt16(RTM_GETLINK), flags: dumpFlags, sequence: sequence)
        var header = ifinfomsg()
        header.ifi_family = UInt8(AF_UNSPEC)
        request.putHeader(header)
        // Statistics are most of a link message's bytes and of no use here.
        request.putUInt32(UInt16(IFLA_EXT_MASK), UInt32(RTEXT_FILTER_SKIP_STATS))
        return request.bytes
    }

    /// `RTM_GETADDR` dump of IPv4 addresses, optionally of one device (`ifa_index`).
    public static func addresses(index: UInt32 = 0, sequence: UInt32 = 0) -> [UInt8] {
        var request = NetlinkRequest(type: UInt16(RTM_GETADDR), flags: dumpFlags, sequence: sequence)
        var header = ifaddrmsg()
        header.ifa_family = UInt8(AF_INET)
        header.ifa_index = index
        request.putHeader(header)
        return request.bytes
    }

    /// `RTM_GETROUTE` dump of the IPv4 routes of one table (`rtm_table` and `RTA_TABLE`).
    public static func routes(table: RouteTable = .main, sequence: UInt32 = 0) -> [UInt8] {
        var request = NetlinkRequest(type: UInt16(RTM_GETROUTE), flags: dumpFlags, sequence: sequence)
        var header = rtmsg()
        header.rtm_family = UInt8(AF_INET)
        header.rtm_table = table.rawValue < 256 ? UInt8(table.rawValue) : UInt8(RT_TABLE_UNSPEC.rawValue)
        request.putHeader(header)
        request.putUInt32(UInt16(RTA_TABLE.rawValue), table.rawValue)
        return request.bytes
    }

    /// `RTM_GETNEIGH` dump of one family (`AF_INET` ARP entries or `AF_BRIDGE` fdb entries) on
    /// one device (0 for all). The device goes in `NDA_IFINDEX`: strict checking refuses a
    /// non-zero `ndm_ifindex` in an `AF_INET` neighbour dump, and both dumps accept the attribute.
    public static func neighbors(family: Int32, index: UInt32, sequence: UInt32 = 0) -> [UInt8] {
        var request = NetlinkRequest(type: UInt16(RTM_GETNEIGH), flags: dumpFlags, sequence: sequence)
        var header = ndmsg()
        header.ndm_family = UInt8(family)
        request.putHeader(header)
        if index != 0 { request.putUInt32(UInt16(NDA_IFINDEX), index) }
        return request.bytes
    }

    /// `RTM_GETROUTE` lookup of one destination (what `ip route get IP` asks): the kernel
    /// answers with the route it would use.
    public static func lookup(_ destination: IPv4Address, sequence: UInt32 = 0) -> [UInt8] {
        var request = NetlinkRequest(type: UInt16(RTM_GETROUTE), flags: UInt16(NLM_F_REQUEST | NLM_F_ACK), sequence: sequence, capacity: 64)
        var header = rtmsg()
        header.rtm_family = UInt8(AF_INET)
        header.rtm_dst_len = 32
        request.putHeader(header)
        request.putUInt32(UInt16(RTA_DST.rawValue), bigEndian: destination.value)
        return request.bytes
    }
}
