/// A forwarding-database entry of the vxlan device (`AF_BRIDGE`, `NTF_SELF`): which remote VTEP
/// a MAC lives behind. Identity: the device and the MAC. `bridge fdb replace` changes the
/// destination of an existing MAC in place, so a peer whose public IP moved is one replace.
public struct FdbEntry: Hashable, Sendable {
    public struct Key: Hashable, Comparable, Sendable {
        public var device: String
        public var mac: MACAddress

        public init(device: String, mac: MACAddress) {
            self.device = device
            self.mac = mac
        }

        /// Device, then MAC. The devices are nearly always the same short name, whose equality
        /// is a compare of its inline bytes: states are sorted and merged by this.
        public static func < (lhs: Key, rhs: Key) -> Bool {
            if lhs.device != rhs.device { return lhs.device < rhs.device }
            return lhs.mac < rhs.mac
        }

        /// Hashes the MAC alone: nearly every key names the same device (`flannel.1`), so
        /// hashing its name costs more than the rest and tells no two keys apart. Equality still
        /// compares the device.
        public func hash(into hasher: inout Hasher) { hasher.combine(mac.value) }
    }

    public var key: Key
    /// `NDA_DST`: the remote VTEP's underlay address (IPv6 on `flannel-v6.<VNI>`).
    public var destination: IPAddress?
    /// `NTF_SELF`: the entry lives in the vxlan driver's table, not a bridge master's.
    public var isSelf: Bool
    public var state: NeighborState

    public init(key: Key, destination: IPAddress?, isSelf: Bool = true, state: NeighborState = .permanent) {
        self.key = key
        self.destination = destination
        self.isSelf = isSelf
        self.state = state
    }

    public init(device: String, mac: MACAddress, destination: IPAddress) {
        self.init(key: Key(device: device, mac: mac), destination: destination)
    }
}

extension FdbEntry: TextAppending {
    public func append(to text: inout TextBuffer) {
        key.mac.append(to: &text)
        text.append(" dev ")
        text.append(key.device)
        if let destination {
            text.append(" dst ")
            destination.append(to: &text)
        }
        text.append(isSelf ? " self " : " ")
        text.append(state.description)
    }
}
