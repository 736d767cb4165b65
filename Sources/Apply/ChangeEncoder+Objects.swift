import CMnl
import Glibc
import NetState
import Netlink
import Planner

extension ChangeEncoder {
    /// `ip addr replace A/L dev D` / `ip addr del A/L dev D`: `IFA_LOCAL` and `IFA_ADDRESS` both
    /// the address (no peer), scope global.
    static func address(_ address: DeviceAddress, index: UInt32, delete: Bool) -> EncodedMessage {
        var request = NetlinkRequest(
            type: UInt16(delete ? RTM_DELADDR : RTM_NEWADDR), flags: delete ? plain : createOrReplace, sequence: 0
        )
        var header = ifaddrmsg()
        header.ifa_family = UInt8(AF_INET)
        header.ifa_prefixlen = address.address.length
        header.ifa_scope = UInt8(RT_SCOPE_UNIVERSE.rawValue)
        header.ifa_index = index
        request.putHeader(header)
        request.putUInt32(UInt16(IFA_LOCAL), bigEndian: address.address.address.value)
        request.putUInt32(UInt16(IFA_ADDRESS), bigEndian: address.address.address.value)
        return EncodedMessage(bytes: request.bytes, name: .address(delete ? "RTM_DELADDR" : "RTM_NEWADDR", address))
    }

    /// `bridge fdb replace MAC dev D dst IP self permanent` / `bridge fdb del MAC dev D dst IP
    /// self`: family `AF_BRIDGE`, `NTF_SELF` (the vxlan driver's own table), `NDA_LLADDR`,
    /// `NDA_DST`.
    static func fdb(_ entry: FdbEntry, index: UInt32, delete: Bool) -> EncodedMessage {
        var request = NetlinkRequest(
            type: UInt16(delete ? RTM_DELNEIGH : RTM_NEWNEIGH), flags: delete ? plain : createOrReplace, sequence: 0
        )
        var header = ndmsg()
        header.ndm_family = UInt8(AF_BRIDGE)
        header.ndm_ifindex = Int32(bitPattern: index)
        header.ndm_state = entry.state.rawValue
        header.ndm_flags = entry.isSelf ? UInt8(NTF_SELF) : 0
        request.putHeader(header)
        request.putBytes(UInt16(NDA_LLADDR), entry.key.mac.bytes)
        if let destination = entry.destination {
            request.putUInt32(UInt16(NDA_DST), bigEndian: destination.value)
        }
        return EncodedMessage(bytes: request.bytes, name: .fdb(delete ? "RTM_DELNEIGH" : "RTM_NEWNEIGH", entry))
    }

    /// `ip neigh replace IP lladdr MAC dev D nud permanent` / `ip neigh del IP dev D`.
    static func neighbor(_ neighbor: Neighbor, index: UInt32, delete: Bool) -> EncodedMessage {
        var request = NetlinkRequest(
            type: UInt16(delete ? RTM_DELNEIGH : RTM_NEWNEIGH), flags: delete ? plain : createOrReplace, sequence: 0
        )
        var header = ndmsg()
        header.ndm_family = UInt8(AF_INET)
        header.ndm_ifindex = Int32(bitPattern: index)
        header.ndm_state = delete ? 0 : neighbor.state.rawValue
        request.putHeader(header)
        request.putUInt32(UInt16(NDA_DST), bigEndian: neighbor.key.ip.value)
        if !delete, let lladdr = neighbor.lladdr { request.putBytes(UInt16(NDA_LLADDR), lladdr.bytes) }
        return EncodedMessage(bytes: request.bytes, name: .neighbor(delete ? "RTM_DELNEIGH" : "RTM_NEWNEIGH", neighbor))
    }

    /// `ip route replace ROUTE` (create and replace alike: one request, the route is never
    /// missing) / `ip route del ROUTE`.
    ///
    /// The table goes in `rtm_table` when it fits a byte, else in `RTA_TABLE` with `rtm_table`
    /// `RT_TABLE_UNSPEC`, as iproute2 does. A delete names the route by table, destination, TOS
    /// and metric (its kernel key) and narrows the match with type, protocol, gateway and device,
    /// so it can only remove the route the plan saw; `rtm_scope` `RT_SCOPE_NOWHERE` matches any
    /// scope, as `ip route del` sends.
    static func route(_ route: Route, outputIndex: UInt32?, delete: Bool) -> EncodedMessage {
        var request = NetlinkRequest(
            type: UInt16(delete ? RTM_DELROUTE : RTM_NEWROUTE), flags: delete ? plain : createOrReplace, sequence: 0
        )
        let table = route.key.table.rawValue
        var header = rtmsg()
        header.rtm_family = UInt8(AF_INET)
        header.rtm_dst_len = route.key.destination.length
        header.rtm_tos = route.key.tos
        header.rtm_table = table < 256 ? UInt8(table) : UInt8(RT_TABLE_UNSPEC.rawValue)
        header.rtm_protocol = route.proto.rawValue
        header.rtm_scope = delete ? UInt8(RT_SCOPE_NOWHERE.rawValue) : route.scope.rawValue
        header.rtm_type = route.type.rawValue
        header.rtm_flags = !delete && route.onLink ? UInt32(RTNH_F_ONLINK) : 0
        request.putHeader(header)
        if table >= 256 { request.putUInt32(UInt16(RTA_TABLE.rawValue), table) }
        if route.key.destination.length > 0 {
            request.putUInt32(UInt16(RTA_DST.rawValue), bigEndian: route.key.destination.address.value)
        }
        if route.key.metric != 0 { request.putUInt32(UInt16(RTA_PRIORITY.rawValue), route.key.metric) }
        if !delete, let source = route.preferredSource {
            request.putUInt32(UInt16(RTA_PREFSRC.rawValue), bigEndian: source.value)
        }
        if let gateway = route.gateway { request.putUInt32(UInt16(RTA_GATEWAY.rawValue), bigEndian: gateway.value) }
        if let outputIndex { request.putUInt32(UInt16(RTA_OIF.rawValue), outputIndex) }
        return EncodedMessage(bytes: request.bytes, name: .route(delete ? "RTM_DELROUTE" : "RTM_NEWROUTE", route))
    }
}
