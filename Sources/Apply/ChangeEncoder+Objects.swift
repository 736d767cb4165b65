import NetState
import Netlink
import Planner

extension ChangeEncoder {
    /// `ip addr replace A/L dev D` / `ip addr del A/L dev D` (`ip -6 addr …` for an IPv6
    /// address): family of the address, `IFA_LOCAL` and `IFA_ADDRESS` both the address (no
    /// peer), scope global, no flags.
    ///
    /// No `IFA_F_NODAD` for the IPv6 `S6::/128` of `flannel-v6.<VNI>`: neither `ip -6 addr add`
    /// nor flannel's netlink library (`AddrAdd` with no flags) sends it, so the address is
    /// `tentative` for the second of duplicate address detection, as on a flannel node. The
    /// address is never a packet's source there (pod traffic is forwarded through the device),
    /// DAD's multicast probe has no FDB entry to go out by, and the kernel then reports the same
    /// address flannel's would have (`IFA_F_PERMANENT`, no `nodad`), which the model does not
    /// compare anyway.
    static func address(_ address: DeviceAddress, index: UInt32, delete: Bool) -> EncodedMessage {
        let value = NetlinkAddress(address.address.address)
        let attributes = AddressAttributes(
            family: value.family, prefixLength: address.address.length, index: index, local: value, address: value
        )
        return EncodedMessage(
            bytes: attributes.request(delete ? .delete : .new, flags: delete ? plain : createOrReplace),
            name: .address(delete ? "RTM_DELADDR" : "RTM_NEWADDR", address)
        )
    }

    /// `bridge fdb replace MAC dev D dst IP self permanent` / `bridge fdb del MAC dev D dst IP
    /// self`: family `AF_BRIDGE`, `NTF_SELF` (the vxlan driver's own table), `NDA_LLADDR`,
    /// `NDA_DST` of 4 or 16 bytes (an IPv6 VTEP on `flannel-v6.<VNI>`).
    static func fdb(_ entry: FdbEntry, index: UInt32, delete: Bool) -> EncodedMessage {
        var attributes = NeighborAttributes(
            family: NeighborAttributes.bridge, index: index, state: entry.state.rawValue,
            destination: entry.destination.map(NetlinkAddress.init), lladdr: entry.key.mac.value
        )
        attributes.isSelf = entry.isSelf
        return EncodedMessage(
            bytes: attributes.request(delete ? .delete : .new, flags: delete ? plain : createOrReplace),
            name: .fdb(delete ? "RTM_DELNEIGH" : "RTM_NEWNEIGH", entry)
        )
    }

    /// `ip neigh replace IP lladdr MAC dev D nud permanent` / `ip neigh del IP dev D` (no state,
    /// no lladdr); `ip -6 neigh …` for an IPv6 neighbour (family `AF_INET6`, 16-byte `NDA_DST`).
    static func neighbor(_ neighbor: Neighbor, index: UInt32, delete: Bool) -> EncodedMessage {
        let attributes = NeighborAttributes(
            family: neighbor.key.family.rawValue, index: index, state: delete ? 0 : neighbor.state.rawValue,
            destination: NetlinkAddress(neighbor.key.ip), lladdr: delete ? nil : neighbor.lladdr?.value
        )
        return EncodedMessage(
            bytes: attributes.request(delete ? .delete : .new, flags: delete ? plain : createOrReplace),
            name: .neighbor(delete ? "RTM_DELNEIGH" : "RTM_NEWNEIGH", neighbor)
        )
    }

    /// `ip route replace ROUTE` (create and replace alike: one request, the route is never
    /// missing) / `ip route del ROUTE`; `ip -6 route …` for an IPv6 route, whose addresses are
    /// 16 bytes and whose metric (1024 when the kernel chose it) is sent, as every non-zero
    /// metric is, so replace and delete name the route the kernel holds.
    ///
    /// A delete names the route by its kernel key (table, family, destination, TOS, metric) and
    /// narrows the match with type, protocol, gateway and device, so it can only remove the
    /// route the plan saw; it carries no `onlink` flag and no preferred source, and `rtm_scope`
    /// `RT_SCOPE_NOWHERE` matches any scope, as `ip route del` sends.
    static func route(_ route: Route, outputIndex: UInt32?, delete: Bool) -> EncodedMessage {
        let key = route.key
        var attributes = RouteAttributes(
            family: key.family.rawValue, destination: NetlinkAddress(key.destination.address),
            destinationLength: key.destination.length, tos: key.tos, table: key.table.rawValue,
            proto: route.proto.rawValue, scope: delete ? RouteAttributes.anyScope : route.scope.rawValue,
            type: route.type.rawValue, metric: key.metric, gateway: route.gateway.map(NetlinkAddress.init),
            outputIndex: outputIndex, preferredSource: delete ? nil : route.preferredSource.map(NetlinkAddress.init)
        )
        attributes.isOnLink = !delete && route.onLink
        return EncodedMessage(
            bytes: attributes.request(delete ? .delete : .new, flags: delete ? plain : createOrReplace),
            name: .route(delete ? "RTM_DELROUTE" : "RTM_NEWROUTE", route)
        )
    }
}
