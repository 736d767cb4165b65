import CMnl
import Glibc

/// A neighbour as rtnetlink carries it (`ndmsg`, `NDA_DST`, `NDA_LLADDR`): an ARP entry
/// (`AF_INET`) or, with family `AF_BRIDGE`, a forwarding-database entry (see
/// `NeighborAttributes+Fdb.swift`). The request builder, the decoder and the dump request of
/// both, which share one message. Addresses are IPv4 in host order, MACs in the low 48 bits.
public struct NeighborAttributes: Hashable, Sendable {
    /// `AF_INET`: ARP entries, whose `NDA_DST` must be 4 bytes.
    public static let inet = UInt8(AF_INET)

    public var family: UInt8
    public var index: UInt32
    /// `ndm_state` (`NUD_PERMANENT`, …).
    public var state: UInt16
    /// `ndm_flags` (`NTF_SELF`, `NTF_MASTER`, …).
    public var flags: UInt8
    /// `NDA_DST` when it is an IPv4 address (fdb entries may carry IPv6 VTEPs).
    public var destination: UInt32?
    /// `NDA_DST` was present but not IPv4 (decoding only).
    public var hasNonIPv4Destination: Bool
    /// `NDA_LLADDR` when it is 6 bytes.
    public var lladdr: UInt64?

    public init(
        family: UInt8 = inet, index: UInt32, state: UInt16, flags: UInt8 = 0, destination: UInt32? = nil,
        lladdr: UInt64? = nil
    ) {
        self.family = family
        self.index = index
        self.state = state
        self.flags = flags
        self.destination = destination
        self.hasNonIPv4Destination = false
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
        if let destination { request.putUInt32(UInt16(NDA_DST), bigEndian: destination) }
        if !isFdb, let lladdr { request.putMAC(UInt16(NDA_LLADDR), lladdr) }
        return request.bytes
    }

    /// `RTM_GETNEIGH` dump of one family (`AF_INET` ARP entries or `AF_BRIDGE` fdb entries) on
    /// one device (0 for all). The device goes in `NDA_IFINDEX`: strict checking refuses a
    /// non-zero `ndm_ifindex` in an `AF_INET` neighbour dump, and both dumps accept the attribute.
    public static func dumpRequest(family: UInt8, index: UInt32, sequence: UInt32 = 0) -> [UInt8] {
        var request = NetlinkRequest(type: RTM_GETNEIGH, flags: [.request, .dump], sequence: sequence)
        var header = ndmsg()
        header.ndm_family = family
        request.putHeader(header)
        if index != 0 { request.putUInt32(UInt16(NDA_IFINDEX), index) }
        return request.bytes
    }

    /// Decodes an `RTM_NEWNEIGH` or `RTM_DELNEIGH`. An `NDA_DST` that is not 4 bytes is an
    /// error in an `AF_INET` entry and marked `hasNonIPv4Destination` in the others.
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
                if attribute.count == 4 {
                    destination = try attribute.ipv4("NDA_DST")
                } else if family == Self.inet {
                    throw NetlinkError.decode("NDA_DST of \(attribute.count) bytes in an AF_INET neighbour", offset: attribute.offset)
                } else {
                    hasNonIPv4Destination = true
                }
            case NDA_LLADDR: lladdr = attribute.mac
            default: break
            }
        }
    }
}
