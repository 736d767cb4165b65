import CMnl
import Glibc

/// A neighbour as rtnetlink carries it (`ndmsg`, `NDA_DST`, `NDA_LLADDR`): an ARP entry
/// (`AF_INET`), an NDISC entry (`AF_INET6`) or, with family `AF_BRIDGE`, a forwarding-database
/// entry (see `NeighborAttributes+Fdb.swift`). The request builder, the decoder and the dump
/// request of all three, which share one message. MACs are held in the low 48 bits.
public struct NeighborAttributes: Hashable, Sendable {
    /// `AF_INET`: ARP entries, whose `NDA_DST` must be 4 bytes.
    public static let inet = UInt8(AF_INET)
    /// `AF_INET6`: NDISC entries, whose `NDA_DST` must be 16 bytes.
    public static let inet6 = UInt8(AF_INET6)

    public var family: UInt8
    public var index: UInt32
    /// `ndm_state` (`NUD_PERMANENT`, …).
    public var state: UInt16
    /// `ndm_flags` (`NTF_SELF`, `NTF_MASTER`, …).
    public var flags: UInt8
    /// `NDA_DST`: the neighbour's address, of the entry's family; in an fdb entry the remote
    /// VTEP, IPv4 or IPv6 (a vxlan device's `dst`), told apart by its length.
    public var destination: NetlinkAddress?
    /// `NDA_LLADDR` when it is 6 bytes.
    public var lladdr: UInt64?

    public init(
        family: UInt8 = inet, index: UInt32, state: UInt16, flags: UInt8 = 0, destination: NetlinkAddress? = nil,
        lladdr: UInt64? = nil
    ) {
        self.family = family
        self.index = index
        self.state = state
        self.flags = flags
        self.destination = destination
        self.lladdr = lladdr
    }

    /// `RTM_NEWNEIGH` / `RTM_DELNEIGH` carrying this entry. The attributes go in the order the
    /// tools send them: `NDA_DST` then `NDA_LLADDR` for `ip neigh`, the reverse for `bridge fdb`.
    public func request(_ operation: RtnetlinkOperation, flags: NetlinkRequest.Flags) -> [UInt8] {
        var request = NetlinkRequest(type: operation == .delete ? RTM_DELNEIGH : RTM_NEWNEIGH, flags: flags)
        var header = ndmsg()
        header.ndm_family = family
        header.ndm_ifindex = Int32(bitPattern: index)
        header.ndm_state = state
        header.ndm_flags = self.flags
        request.putHeader(header)
        if isFdb, let lladdr { request.putMAC(UInt16(NDA_LLADDR), lladdr) }
        if let destination { request.putAddress(UInt16(NDA_DST), destination) }
        if !isFdb, let lladdr { request.putMAC(UInt16(NDA_LLADDR), lladdr) }
        return request.bytes
    }

    /// `RTM_GETNEIGH` dump of one family (`AF_INET` ARP entries, `AF_INET6` NDISC entries or
    /// `AF_BRIDGE` fdb entries) on one device (0 for all). The device goes in `NDA_IFINDEX`: strict checking refuses a
    /// non-zero `ndm_ifindex` in an `AF_INET` neighbour dump, and both dumps accept the attribute.
    public static func dumpRequest(family: UInt8, index: UInt32, sequence: UInt32 = 0) -> [UInt8] {
        var request = NetlinkRequest(type: RTM_GETNEIGH, flags: [.request, .dump], sequence: sequence)
        var header = ndmsg()
        header.ndm_family = family
        request.putHeader(header)
        if index != 0 { request.putUInt32(UInt16(NDA_IFINDEX), index) }
        return request.bytes
    }

    /// Decodes an `RTM_NEWNEIGH` or `RTM_DELNEIGH`. `NDA_DST` is read as the entry's family
    /// requires (exactly 4 or 16 bytes, else a decode error naming it); in an fdb entry, whose VTEP may be of
    /// either family, a 4-byte value is IPv4, a 16-byte one IPv6 and any other length a decode
    /// error. Other families' `NDA_DST` is not read.
    public init(decoding message: NetlinkMessage) throws(NetlinkError) {
        let reader = try PayloadReader(message, header: MemoryLayout<ndmsg>.size, what: "RTM_NEWNEIGH")
        let header = reader.header(ndmsg.self)
        self.init(
            family: header.ndm_family, index: UInt32(bitPattern: header.ndm_ifindex), state: header.ndm_state,
            flags: header.ndm_flags
        )
        try reader.forEachAttribute { (attribute) throws(NetlinkError) in
            switch Int(attribute.type) {
            case NDA_DST:
                destination = try Self.destination(attribute, family: family)
            case NDA_LLADDR: lladdr = attribute.mac
            default: break
            }
        }
    }

    /// `NDA_DST` of an entry of `family`.
    private static func destination(_ attribute: AttributeView, family: UInt8) throws(NetlinkError) -> NetlinkAddress? {
        switch family {
        case inet, inet6:
            guard attribute.count == NetlinkAddress.byteCount(family: family) else {
                let name = family == inet ? "AF_INET" : "AF_INET6"
                throw NetlinkError.decode("NDA_DST of \(attribute.count) bytes in an \(name) neighbour", offset: attribute.offset)
            }
            return try attribute.address(family: family, "NDA_DST")
        case bridge:
            switch attribute.count {
            case 4: return try attribute.address(family: inet, "NDA_DST")
            case 16: return try attribute.address(family: inet6, "NDA_DST")
            default:
                throw NetlinkError.decode("NDA_DST of \(attribute.count) bytes in an AF_BRIDGE entry, expected 4 or 16", offset: attribute.offset)
            }
        default:
            return nil
        }
    }
}
