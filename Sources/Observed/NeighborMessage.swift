import NetState
import Netlink

/// A decoded `RTM_NEWNEIGH`, an ARP entry (`AF_INET`), an NDISC entry (`AF_INET6`) or a
/// forwarding-database entry (`AF_BRIDGE`), read in the model's terms. The wire format is `Netlink`'s
/// `NeighborAttributes`.
public struct NeighborMessage: Hashable, Sendable {
    public var attributes: NeighborAttributes

    public init(decoding message: NetlinkMessage) throws(NetlinkError) {
        attributes = try NeighborAttributes(decoding: message)
    }

    public var family: UInt8 { attributes.family }
    public var index: UInt32 { attributes.index }
    public var state: NeighborState { NeighborState(rawValue: attributes.state) }
    /// `ndm_flags` (`NTF_SELF`, `NTF_MASTER`, …).
    public var flags: UInt8 { attributes.flags }
    /// `NDA_DST`: the neighbour's address, or an fdb entry's VTEP (IPv4 or IPv6).
    public var destination: IPAddress? { attributes.destination.map(IPAddress.init) }
    /// `AF_INET` or `AF_INET6`: a neighbour entry rather than an fdb entry.
    public var isNeighbor: Bool { family == NeighborAttributes.inet || family == NeighborAttributes.inet6 }
    public var lladdr: MACAddress? { attributes.lladdr.map(MACAddress.init) }
    public var isSelf: Bool { attributes.isSelf }

    /// The ARP or NDISC entry, for `AF_INET` and `AF_INET6` messages with a destination.
    public func neighbor(deviceNames: [UInt32: String]) -> Neighbor? {
        guard isNeighbor, let destination else { return nil }
        return Neighbor(
            key: Neighbor.Key(device: deviceNames[index] ?? "if\(index)", ip: destination),
            lladdr: lladdr, state: state
        )
    }

    /// The fdb entry, for `AF_BRIDGE` messages with a MAC; its VTEP of either family.
    ///
    /// The state is normalised as `bridge fdb show` reads it: `bridge fdb append … permanent`
    /// stores `NUD_PERMANENT|NUD_NOARP` (0xc0) where flannel stores `NUD_PERMANENT`; both mean a
    /// static entry that never ages, so both read as `permanent` and the planner does not rewrite
    /// a correct entry only for the unused NOARP bit.
    public func fdbEntry(deviceNames: [UInt32: String]) -> FdbEntry? {
        guard attributes.isFdb, let lladdr else { return nil }
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
