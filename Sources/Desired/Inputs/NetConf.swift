import NetState

/// flannel's network configuration (`net-conf.json`, or `<prefix>/config` in etcd).
public struct NetConf: Hashable, Sendable {
    public var network: IPv4Prefix
    public var subnetLen: UInt8?
    public var enableIPv4: Bool
    public var enableIPv6: Bool
    /// Kept as text: this tool programs IPv4 only and reports IPv6 settings it does not act on.
    public var ipv6Network: String?
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
        network: IPv4Prefix, subnetLen: UInt8? = nil, enableIPv4: Bool = true, enableIPv6: Bool = false,
        ipv6Network: String? = nil, enableNFTables: Bool = false, backend: Backend
    ) {
        self.network = network
        self.subnetLen = subnetLen
        self.enableIPv4 = enableIPv4
        self.enableIPv6 = enableIPv6
        self.ipv6Network = ipv6Network
        self.enableNFTables = enableNFTables
        self.backend = backend
    }

    /// How a lease's peer is reached: `--backend` when given, else the lease's `BackendType`,
    /// else the network's `Backend.Type`.
    public func backendType(of lease: Lease, override: BackendType? = nil) -> BackendType {
        override ?? lease.backendType ?? backend.type
    }

    /// The length of the leases flannel allocates: `SubnetLen`, else its default for the
    /// Network (`pkg/subnet/config.go`): 24 when the prefix is /22 or shorter, else prefix + 2.
    public var leaseLength: UInt8 {
        if let subnetLen { return subnetLen }
        return network.length <= 22 ? 24 : min(network.length + 2, 32)
    }

    /// `flannel.<VNI>`.
    public var vxlanDeviceName: String { "flannel.\(backend.vni)" }
}
