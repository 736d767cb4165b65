import CMnl

extension NetlinkSocket {
    /// A `NETLINK_ROUTE` socket: links, addresses, routes, neighbours, FDB. Callers outside
    /// this module need not import the C headers for the protocol number.
    public static func routing(groups: UInt32 = 0) throws(NetlinkError) -> NetlinkSocket {
        try NetlinkSocket(protocol: NETLINK_ROUTE, groups: groups)
    }
}

extension NetlinkSocket {
    /// A `NETLINK_NETFILTER` socket: nf_tables dumps and batches.
    public static func netfilter(groups: UInt32 = 0) throws(NetlinkError) -> NetlinkSocket {
        try NetlinkSocket(protocol: NETLINK_NETFILTER, groups: groups)
    }
}
