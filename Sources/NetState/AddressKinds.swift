/// Which addresses can stand for a host. A lease's PublicIP ends up as an FDB `dst`, a host-gw
/// gateway and a vxlan `local`; its VtepMAC as a neighbour's `lladdr` and an FDB key. The kernel
/// accepts many values that make no sense there (an FDB entry towards `224.0.0.1` floods a
/// multicast group; a multicast VtepMAC fails `RTM_NEWNEIGH` with EOPNOTSUPP half-way through an
/// apply), so they are refused where leases are read.
extension IPv4Address {
    /// Why this address cannot be a node's unicast address, or nil when it can: `0.0.0.0/8`
    /// ("this network"), `127.0.0.0/8` (loopback), `224.0.0.0/4` (multicast), `240.0.0.0/4`
    /// (reserved, with the limited broadcast `255.255.255.255`).
    public var nonUnicastReason: String? {
        switch value >> 24 {
        case 0: "in 0.0.0.0/8 (\"this network\")"
        case 127: "in 127.0.0.0/8 (loopback)"
        case 224...239: "in 224.0.0.0/4 (multicast)"
        case 255 where value == 0xFFFF_FFFF: "the limited broadcast address"
        case 240...255: "in 240.0.0.0/4 (reserved)"
        default: nil
        }
    }
}

extension MACAddress {
    /// Why this MAC cannot be a VTEP's address, or nil when it can: all zero, or with the
    /// group bit set (multicast, broadcast `ff:ff:ff:ff:ff:ff` included).
    public var nonUnicastReason: String? {
        if value == 0 { return "all zero" }
        if value == 0xFFFF_FFFF_FFFF { return "the broadcast address" }
        if value >> 40 & 1 == 1 { return "a multicast address (the group bit of the first octet is set)" }
        return nil
    }
}

extension IPv6Address {
    /// Why this address cannot be a node's unicast address (a lease's PublicIPv6: the `local` of
    /// the `flannel-v6` vxlan device, an FDB `dst`, a host-gw gateway), or nil when it can. The
    /// address must be a routable unicast one, so refused are: `::` (unspecified), `::1`
    /// (loopback), `ff00::/8` (multicast), `fe80::/10` (link-local: the same on every link, it
    /// names a host only together with an interface, and a lease carries no zone; the kernel
    /// refuses a link-local vxlan `local` or `remote` without a bound device), `::ffff:0:0/96`
    /// (IPv4-mapped: an IPv4 address in IPv6 clothing, never on an IPv6 wire; the IPv4 lease
    /// fields carry IPv4) and the rest of `::/96` (IPv4-compatible, deprecated by RFC 4291
    /// 2.5.5.1 and only meaningful to automatic tunnels). Unique local addresses (`fc00::/7`)
    /// are allowed: private clusters run on them, as on 10/8 in IPv4.
    public var nonUnicastReason: String? {
        if high == 0 {
            switch low {
            case 0: return "the unspecified address ::"
            case 1: return "the loopback address ::1"
            case 0xffff_0000_0000...0xffff_ffff_ffff: return "in ::ffff:0:0/96 (IPv4-mapped)"
            case ...0xffff_ffff: return "in ::/96 (IPv4-compatible, deprecated)"
            default: return nil
            }
        }
        if high >> 56 == 0xff { return "in ff00::/8 (multicast)" }
        if high >> 54 == 0xfe80 >> 6 { return "in fe80::/10 (link-local)" }
        return nil
    }
}
