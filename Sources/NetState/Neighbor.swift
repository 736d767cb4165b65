/// `ndm_state` bits. Only `permanent` entries on the vxlan device are ever owned: the kernel's
/// own learnt entries (`reachable`, `stale`, …) are left alone.
public struct NeighborState: KernelEnum {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let incomplete = NeighborState(rawValue: 0x01)
    public static let reachable = NeighborState(rawValue: 0x02)
    public static let stale = NeighborState(rawValue: 0x04)
    public static let delay = NeighborState(rawValue: 0x08)
    public static let probe = NeighborState(rawValue: 0x10)
    public static let failed = NeighborState(rawValue: 0x20)
    public static let noarp = NeighborState(rawValue: 0x40)
    public static let permanent = NeighborState(rawValue: 0x80)

    public static let names: [UInt16: String] = [
        0x00: "none", 0x01: "incomplete", 0x02: "reachable", 0x04: "stale", 0x08: "delay", 0x10: "probe",
        0x20: "failed", 0x40: "noarp", 0x80: "permanent",
    ]
}

/// A neighbour entry (ARP for IPv4, NDISC for IPv6). Identity: the device and the IP, whose
/// family is part of it.
public struct Neighbor: Hashable, Sendable {
    public struct Key: Hashable, Comparable, Sendable {
        public var device: String
        /// The neighbour's address, whose case is the entry's family (ARP or NDISC).
        public var ip: IPAddress

        public init(device: String, ip: IPAddress) {
            self.device = device
            self.ip = ip
        }

        public init(device: String, ip: IPv4Address) { self.init(device: device, ip: .v4(ip)) }

        public var family: AddressFamily { ip.family }

        /// Device, then address. The devices are nearly always the same short name, whose
        /// equality is a compare of its inline bytes: states are sorted and merged by this.
        public static func < (lhs: Key, rhs: Key) -> Bool {
            if lhs.device != rhs.device { return lhs.device < rhs.device }
            return lhs.ip < rhs.ip
        }

        /// Hashes the address alone: nearly every key names the same device (`flannel.1`), so
        /// hashing its name costs more than the rest and tells no two keys apart. Equality still
        /// compares the device.
        public func hash(into hasher: inout Hasher) {
            switch ip {
            case let .v4(address): hasher.combine(UInt64(address.value))
            case let .v6(address):
                hasher.combine(address.high)
                hasher.combine(address.low)
            }
        }
    }

    public var key: Key
    public var lladdr: MACAddress?
    public var state: NeighborState

    public init(key: Key, lladdr: MACAddress?, state: NeighborState = .permanent) {
        self.key = key
        self.lladdr = lladdr
        self.state = state
    }
}

extension Neighbor: TextAppending {
    public func append(to text: inout TextBuffer) {
        key.ip.append(to: &text)
        if let lladdr {
            text.append(" lladdr ")
            lladdr.append(to: &text)
        }
        text.append(" dev ")
        text.append(key.device)
        text.append(" nud ")
        text.append(state.description)
    }
}
