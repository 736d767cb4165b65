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
