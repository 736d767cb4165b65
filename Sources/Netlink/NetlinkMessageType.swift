import CMnl

/// Human names of message types, for error texts.
public enum NetlinkMessageType {
    /// The rtnetlink types notifications carry, for code outside this module.
    public static let newLink = UInt16(RTM_NEWLINK), deleteLink = UInt16(RTM_DELLINK)
    public static let newAddress = UInt16(RTM_NEWADDR), deleteAddress = UInt16(RTM_DELADDR)
    public static let newRoute = UInt16(RTM_NEWROUTE), deleteRoute = UInt16(RTM_DELROUTE)
    public static let newNeighbor = UInt16(RTM_NEWNEIGH), deleteNeighbor = UInt16(RTM_DELNEIGH)

    private static let routeNames: [Int: String] = [
        RTM_NEWLINK: "RTM_NEWLINK", RTM_DELLINK: "RTM_DELLINK", RTM_GETLINK: "RTM_GETLINK", RTM_SETLINK: "RTM_SETLINK",
        RTM_NEWADDR: "RTM_NEWADDR", RTM_DELADDR: "RTM_DELADDR", RTM_GETADDR: "RTM_GETADDR",
        RTM_NEWROUTE: "RTM_NEWROUTE", RTM_DELROUTE: "RTM_DELROUTE", RTM_GETROUTE: "RTM_GETROUTE",
        RTM_NEWNEIGH: "RTM_NEWNEIGH", RTM_DELNEIGH: "RTM_DELNEIGH", RTM_GETNEIGH: "RTM_GETNEIGH",
    ]

    /// `RTM_NEWROUTE` for rtnetlink types, `type N` for the rest (nfnetlink types depend on the
    /// subsystem; their callers pass their own labels).
    public static func name(_ type: UInt16) -> String {
        if type == UInt16(NLMSG_ERROR) { return "NLMSG_ERROR" }
        if type == UInt16(NLMSG_DONE) { return "NLMSG_DONE" }
        return routeNames[Int(type)] ?? "netlink message type \(type)"
    }
}
