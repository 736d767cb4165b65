import NetState
import Netlink
import Planner

extension ChangeEncoder {
    /// `ip addr replace A/L dev D` / `ip addr del A/L dev D`: `IFA_LOCAL` and `IFA_ADDRESS` both
    /// the address (no peer), scope global.
    static func address(_ address: DeviceAddress, index: UInt32, delete: Bool) -> EncodedMessage {
        let value = address.address.address.ipv4?.value ?? 0
        let attributes = AddressAttributes(
            family: AddressFamily.inet.rawValue, prefixLength: address.address.length, index: index,
            local: value, address: value
        )
        return EncodedMessage(
            bytes: attributes.request(delete ? .delete : .new, flags: delete ? plain : createOrReplace),
            name: .address(delete ? "RTM_DELADDR" : "RTM_NEWADDR", address)
        )
    }

    /// `bridge fdb replace MAC dev D dst IP self permanent` / `bridge fdb del MAC dev D dst IP
    /// self`: family `AF_BRIDGE`, `NTF_SELF` (the vxlan driver's own table), `NDA_LLADDR`,
    /// `NDA_DST`.
    static func fdb(_ entry: FdbEntry, index: UInt32, delete: Bool) -> EncodedMessage {
        var attributes = NeighborAttributes(
            family: NeighborAttributes.bridge, index: index, state: entry.state.rawValue,
            destination: entry.destination?.ipv4?.value, lladdr: entry.key.mac.value
        )
        attributes.isSelf = entry.isSelf
        return EncodedMessage(
            bytes: attributes.request(delete ? .delete : .new, flags: delete ? plain : createOrReplace),
            name: .fdb(delete ? "RTM_DELNEIGH" : "RTM_NEWNEIGH", entry)
        )
    }

    /// `ip neigh replace IP lladdr MAC dev D nud permanent` / `ip neigh del IP dev D` (no state,
    /// no lladdr).
    static func neighbor(_ neighbor: Neighbor, index: UInt32, delete: Bool) -> EncodedMessage {
        let attributes = NeighborAttributes(
            family: neighbor.key.family.rawValue, index: index, state: delete ? 0 : neighbor.state.rawValue,
            destination: neighbor.key.ip.ipv4?.value ?? 0, lladdr: delete ? nil : neighbor.lladdr?.value
        )
        return EncodedMessage(
            bytes: attributes.request(delete ? .delete : .new, flags: delete ? plain : createOrReplace),
            name: .neighbor(delete ? "RTM_DELNEIGH" : "RTM_NEWNEIGH", neighbor)
        )
    }

    /// `ip route replace ROUTE` (create and replace alike: one request, the route is never
    /// missing) / `ip route del ROUTE`.
    ///
    /// A delete names the route by its kernel key (table, family, destination, TOS, metric) and
    /// narrows the match with type, protocol, gateway and device, so it can only remove the
    /// route the plan saw; it carries no `onlink` flag and no preferred source, and `rtm_scope`
    /// `RT_SCOPE_NOWHERE` matches any scope, as `ip route del` sends.
    static func route(_ route: Route, outputIndex: UInt32?, delete: Bool) -> EncodedMessage {
        let key = route.key
        var attributes = RouteAttributes(
            family: key.family.rawValue, destination: key.destination.address.ipv4?.value ?? 0,
            destinationLength: key.destination.length, tos: key.tos, table: key.table.rawValue,
            proto: route.proto.rawValue, scope: delete ? RouteAttributes.anyScope : route.scope.rawValue,
            type: route.type.rawValue, metric: key.metric, gateway: route.gateway?.ipv4?.value, outputIndex: outputIndex,
            preferredSource: delete ? nil : route.preferredSource?.ipv4?.value
        )
        attributes.isOnLink = !delete && route.onLink
        return EncodedMessage(
            bytes: attributes.request(delete ? .delete : .new, flags: delete ? plain : createOrReplace),
            name: .route(delete ? "RTM_DELROUTE" : "RTM_NEWROUTE", route)
        )
    }
}
