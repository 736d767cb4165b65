import NetState

/// flannel's network configuration (`net-conf.json`, or `<prefix>/config` in etcd).
public struct NetConf: Hashable, Sendable {
    /// `Network`; nil on an IPv6-only cluster (`EnableIPv4: false`).
    public var network: IPv4Prefix?
    public var subnetLen: UInt8?
    public var enableIPv4: Bool
    public var enableIPv6: Bool
    /// `IPv6Network`; set exactly when `EnableIPv6`.
    public var ipv6Network: IPv6Prefix?
    /// `IPv6SubnetLen`; nil for flannel's default.
    public var ipv6SubnetLen: UInt8?
    /// `EnableNFTables` (default false, as flannel): MASQUERADE and forward rules in flannel's
    /// nf_tables table `ip flannel-ipv4` instead of its iptables-mode rules in `ip nat` /
    /// `ip filter`.
    public var enableNFTables: Bool
    public var backend: Backend

    public struct Backend: Hashable, Sendable {
        public var type: BackendType
        /// `VNI`, default 1.
        public var vni: UInt32
        /// `Port`; 0 or absent means the kernel default, 8472.
        public var port: UInt16
        public var directRouting: Bool
        /// `MTU`: the underlay MTU to use instead of the interface's. The device gets MTU - 50.
        public var mtu: UInt32?
        public var gbp: Bool

        public init(
            type: BackendType, vni: UInt32 = 1, port: UInt16 = 0, directRouting: Bool = false, mtu: UInt32? = nil,
            gbp: Bool = false
        ) {
            self.type = type
            self.vni = vni
            self.port = port
            self.directRouting = directRouting
            self.mtu = mtu
            self.gbp = gbp
        }
    }

    public init(
        network: IPv4Prefix?, subnetLen: UInt8? = nil, enableIPv4: Bool = true, enableIPv6: Bool = false,
        ipv6Network: IPv6Prefix? = nil, ipv6SubnetLen: UInt8? = nil, enableNFTables: Bool = false, backend: Backend
    ) {
        self.network = network
        self.subnetLen = subnetLen
        self.enableIPv4 = enableIPv4
        self.enableIPv6 = enableIPv6
        self.ipv6Network = ipv6Network
        self.ipv6SubnetLen = ipv6SubnetLen
        self.enableNFTables = enableNFTables
        self.backend = backend
    }

    /// How a lease's peer is reached: `--backend` when given, else the lease's `BackendType`,
    /// else the network's `Backend.Type`.
    public func backendType(of lease: Lease, override: BackendType? = nil) -> BackendType {
        override ?? lease.backendType ?? backend.type
    }

    /// The length of the IPv4 leases flannel allocates: `SubnetLen`, else its default for the
    /// Network (`pkg/subnet/config.go`): 24 when the prefix is /22 or shorter, else prefix + 2.
    public var leaseLength: UInt8 {
        if let subnetLen { return subnetLen }
        guard let network else { return 24 }
        return network.length <= 22 ? 24 : min(network.length + 2, 32)
    }

    /// The length of the IPv6 leases: `IPv6SubnetLen`, else flannel's default for the
    /// IPv6Network (v0.20.2 `subnet/config.go:133–141`): 64 when the prefix is /62 or shorter,
    /// else prefix + 2.
    public var ipv6LeaseLength: UInt8 {
        if let ipv6SubnetLen { return ipv6SubnetLen }
        guard let ipv6Network else { return 64 }
        return ipv6Network.length <= 62 ? 64 : min(ipv6Network.length + 2, 128)
    }

    /// The families this node programs, IPv4 first.
    public var families: [AddressFamily] {
        (enableIPv4 && network != nil ? [.inet] : []) + (enableIPv6 && ipv6Network != nil ? [.inet6] : [])
    }

    /// The cluster CIDR of `family`, when the family is enabled.
    public func network(_ family: AddressFamily) -> IPPrefix? {
        family == .inet ? (enableIPv4 ? network.map(IPPrefix.v4) : nil) : (enableIPv6 ? ipv6Network.map(IPPrefix.v6) : nil)
    }

    /// The lease length of `family`.
    public func leaseLength(_ family: AddressFamily) -> UInt8 { family == .inet ? leaseLength : ipv6LeaseLength }

    /// `flannel.<VNI>`.
    public var vxlanDeviceName: String { "flannel.\(backend.vni)" }

    /// `flannel-v6.<VNI>` (v0.20.2 `backend/vxlan/vxlan.go:160`).
    public var vxlan6DeviceName: String { VxlanLink.ipv6DeviceName(for: vxlanDeviceName) }

    /// The vxlan device of `family`.
    public func vxlanDeviceName(_ family: AddressFamily) -> String {
        family == .inet ? vxlanDeviceName : vxlan6DeviceName
    }
}
