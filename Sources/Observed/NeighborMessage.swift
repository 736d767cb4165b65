import CMnl
import Glibc
import NetState
import Netlink

/// A decoded `RTM_NEWNEIGH`: an ARP entry (`AF_INET`) or a forwarding-database entry
/// (`AF_BRIDGE`).
public struct NeighborMessage: Hashable, Sendable {
    public var family: UInt8
    public var index: UInt32
    public var state: NeighborState
    /// `ndm_flags` (`NTF_SELF`, `NTF_MASTER`, …).
    public var flags: UInt8
    /// `NDA_DST` when it is an IPv4 address (fdb entries may carry IPv6 VTEPs, which the model
    /// does not hold).
    public var destination: IPv4Address?
    /// `NDA_DST` was present but not IPv4.
    public var hasNonIPv4Destination: Bool
    public var lladdr: MACAddress?

    public init(decoding message: NetlinkMessage) throws(NetlinkError) {
        let reader = try PayloadReader(message, header: MemoryLayout<ndmsg>.size, what: "RTM_NEWNEIGH")
        family = reader.uint8(0)
        index = UInt32(bitPattern: reader.load(Int32.self, 4))
        state = NeighborState(rawValue: reader.load(UInt16.self, 8))
        flags = reader.uint8(10)
        var destination: IPv4Address?
        var hasNonIPv4Destination = false
        var lladdr: MACAddress?
        let family = self.family
        try reader.forEachAttribute { (attribute) throws(NetlinkError) in
            switch Int(attribute.type) {
            case NDA_DST:
                if attribute.count == 4 {
                    destination = try attribute.ipv4("NDA_DST")
                } else if family == UInt8(AF_INET) {
                    throw NetlinkError.decode("NDA_DST of \(attribute.count) bytes in an AF_INET neighbour", offset: attribute.offset)
                } else {
                    hasNonIPv4Destination = true
                }
            case NDA_LLADDR: lladdr = attribute.mac
            default: break
            }
        }
        self.destination = destination
        self.hasNonIPv4Destination = hasNonIPv4Destination
        self.lladdr = lladdr
    }

    public var isSelf: Bool { flags & UInt8(NTF_SELF) != 0 }

    /// The ARP entry, for `AF_INET` messages with a destination.
    public func neighbor(deviceNames: [UInt32: String]) -> Neighbor? {
        guard family == UInt8(AF_INET), let destination else { return nil }
        return Neighbor(key: Neighbor.Key(device: deviceNames[index] ?? "if\(index)", ip: destination), lladdr: lladdr, state: state)
    }

    /// The fdb entry, for `AF_BRIDGE` messages with a MAC and no IPv6 destination.
    ///
    /// The state is normalised as `bridge fdb show` reads it: `bridge fdb append … permanent`
    /// stores `NUD_PERMANENT|NUD_NOARP` (0xc0) where flannel stores `NUD_PERMANENT`; both mean a
    /// static entry that never ages, so both read as `permanent` and the planner does not rewrite
    /// a correct entry only for the unused NOARP bit.
    public func fdbEntry(deviceNames: [UInt32: String]) -> FdbEntry? {
        guard family == UInt8(AF_BRIDGE), let lladdr, !hasNonIPv4Destination else { return nil }
        var normalised = state
        if state.rawValue & NeighborState.permanent.rawValue != 0 {
            normalised = .permanent
        } else if state.rawValue & NeighborState.noarp.rawValue != 0 {
            normalised = .noarp
        }
        return FdbEntry(
            key: FdbEntry.Key(device: deviceNames[index] ?? "if\(index)", mac: lladdr),
            destination: destination, isSelf: isSelf, state: normalised
        )
    }
}
