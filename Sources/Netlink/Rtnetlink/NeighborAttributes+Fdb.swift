import CMnl
import Glibc

/// Forwarding-database entries: `NeighborAttributes` of family `AF_BRIDGE`, as `bridge fdb`
/// reads and writes them. A vxlan device's own entries carry `NTF_SELF` (the driver's table,
/// not a bridge's) and the remote VTEP in `NDA_DST`.
extension NeighborAttributes {
    /// `AF_BRIDGE`: fdb entries, `NDA_LLADDR` their key.
    public static let bridge = UInt8(AF_BRIDGE)

    /// Family `AF_BRIDGE`.
    public var isFdb: Bool { family == Self.bridge }

    /// `NTF_SELF` in `ndm_flags`: an entry of the device's own table.
    public var isSelf: Bool {
        get { flags & UInt8(NTF_SELF) != 0 }
        set { flags = newValue ? flags | UInt8(NTF_SELF) : flags & ~UInt8(NTF_SELF) }
    }
}
