import NetState

/// The backends this tool programs. Flannel's others (udp, ipip, wireguard, ipsec, alloc, …)
/// are refused when the configuration is read.
public enum BackendType: String, Hashable, Sendable, CaseIterable {
    case vxlan
    case hostGW = "host-gw"
}

/// One node's subnet lease, whatever store it came from (etcd key, kubectl node).
public struct Lease: Hashable, Sendable {
    /// Where the lease came from, for error messages: the etcd key
    /// (`/coreos.com/network/subnets/10.244.1.0-24`) or `node/<name>`.
    public var key: String
    /// The node name when known (kubectl input), else nil.
    public var nodeName: String?
    public var subnet: IPv4Prefix
    public var publicIP: IPv4Address
    /// The lease's `BackendType`; nil when the record does not say (then the network's type applies).
    public var backendType: BackendType?
    /// `BackendData.VtepMAC` (vxlan leases).
    public var vtepMAC: MACAddress?
    /// `BackendData.VNI` when present.
    public var vni: UInt32?

    public init(
        key: String, nodeName: String? = nil, subnet: IPv4Prefix, publicIP: IPv4Address,
        backendType: BackendType?, vtepMAC: MACAddress? = nil, vni: UInt32? = nil
    ) {
        self.key = key
        self.nodeName = nodeName
        self.subnet = subnet
        self.publicIP = publicIP
        self.backendType = backendType
        self.vtepMAC = vtepMAC
        self.vni = vni
    }

    /// A short name for messages: the node name when known, else the lease key.
    public var displayName: String { nodeName.map { "node/\($0)" } ?? key }
}
