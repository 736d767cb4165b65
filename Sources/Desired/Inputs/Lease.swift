import NetState

/// The backends this tool programs. Flannel's others (udp, ipip, wireguard, ipsec, alloc, …)
/// are refused when the configuration is read.
public enum BackendType: String, Hashable, Sendable, CaseIterable {
    case vxlan
    case hostGW = "host-gw"
}

/// One node's subnet lease, whatever store it came from (etcd key, kubectl node, API node), with
/// a half per address family, as flannel's `subnet.Lease` has (`Subnet`/`PublicIP`/`BackendData`
/// and `IPv6Subnet`/`PublicIPv6`/`BackendV6Data`, v0.20.2 `subnet/subnet.go:37–53`). An etcd
/// lease always has its IPv4 half (the key's first part); a Kubernetes node of an IPv6-only
/// cluster has only the IPv6 half.
public struct Lease: Hashable, Sendable {
    /// Where the lease came from, for error messages: the etcd key
    /// (`/coreos.com/network/subnets/10.244.1.0-24`) or `node/<name>`.
    public var key: String
    /// The node name when known (kubectl input), else nil.
    public var nodeName: String?
    /// The IPv4 subnet; nil when the lease has no IPv4 half.
    public var subnet: IPv4Prefix?
    public var publicIP: IPv4Address?
    /// The lease's `BackendType`; nil when the record does not say (then the network's type applies).
    public var backendType: BackendType?
    /// `BackendData.VtepMAC` (vxlan leases): the MAC of `flannel.<VNI>`.
    public var vtepMAC: MACAddress?
    /// `BackendData.VNI` when present.
    public var vni: UInt32?
    /// The IPv6 subnet: the `&` half of an etcd key, a node's IPv6 `podCIDRs` entry.
    public var subnet6: IPv6Prefix?
    /// `PublicIPv6` (null when unset), the node annotation `public-ipv6`.
    public var publicIPv6: IPv6Address?
    /// `BackendV6Data.VtepMAC`: the MAC of `flannel-v6.<VNI>`.
    public var vtepMAC6: MACAddress?
    /// `BackendV6Data.VNI` when present.
    public var vni6: UInt32?

    public init(
        key: String, nodeName: String? = nil, subnet: IPv4Prefix?, publicIP: IPv4Address?,
        backendType: BackendType?, vtepMAC: MACAddress? = nil, vni: UInt32? = nil, subnet6: IPv6Prefix? = nil,
        publicIPv6: IPv6Address? = nil, vtepMAC6: MACAddress? = nil, vni6: UInt32? = nil
    ) {
        self.key = key
        self.nodeName = nodeName
        self.subnet = subnet
        self.publicIP = publicIP
        self.backendType = backendType
        self.vtepMAC = vtepMAC
        self.vni = vni
        self.subnet6 = subnet6
        self.publicIPv6 = publicIPv6
        self.vtepMAC6 = vtepMAC6
        self.vni6 = vni6
    }

    /// A short name for messages: the node name when known, else the lease key.
    public var displayName: String { nodeName.map { "node/\($0)" } ?? key }

    /// The lease's public addresses, IPv4 first: the peer addresses whose on-link answer can
    /// matter.
    public var publicAddresses: [IPAddress] {
        [publicIP.map(IPAddress.v4), publicIPv6.map(IPAddress.v6)].compactMap { $0 }
    }

    /// The lease's half of `family`, or nil when it has none (no subnet of that family).
    public func half(_ family: AddressFamily) -> LeaseHalf? {
        switch family {
        case .inet:
            guard let subnet else { return nil }
            return LeaseHalf(subnet: .v4(subnet), publicIP: publicIP.map(IPAddress.v4), vtepMAC: vtepMAC, vni: vni)
        case .inet6:
            guard let subnet6 else { return nil }
            return LeaseHalf(subnet: .v6(subnet6), publicIP: publicIPv6.map(IPAddress.v6), vtepMAC: vtepMAC6, vni: vni6)
        }
    }
}

/// One address family's half of a lease: what programs that family's objects for the peer.
/// The screening, the peer objects and the own-lease checks are written once over it.
public struct LeaseHalf: Hashable, Sendable {
    public var subnet: IPPrefix
    /// Nil when the lease does not say (an IPv6 half without `PublicIPv6`).
    public var publicIP: IPAddress?
    public var vtepMAC: MACAddress?
    public var vni: UInt32?

    public init(subnet: IPPrefix, publicIP: IPAddress?, vtepMAC: MACAddress?, vni: UInt32?) {
        self.subnet = subnet
        self.publicIP = publicIP
        self.vtepMAC = vtepMAC
        self.vni = vni
    }
}

/// The names flannel's records give one family's fields, for messages that name the field.
public struct FamilyFields: Hashable, Sendable {
    public var family: AddressFamily
    public var network: String
    public var publicIP: String
    public var backendData: String
    public var subnetLen: String

    public static let ipv4 = FamilyFields(
        family: .inet, network: "Network", publicIP: "PublicIP", backendData: "BackendData", subnetLen: "SubnetLen"
    )
    public static let ipv6 = FamilyFields(
        family: .inet6, network: "IPv6Network", publicIP: "PublicIPv6", backendData: "BackendV6Data",
        subnetLen: "IPv6SubnetLen"
    )

    public static func of(_ family: AddressFamily) -> FamilyFields { family == .inet ? ipv4 : ipv6 }

    /// `IPv4` / `IPv6`.
    public var familyName: String { family == .inet ? "IPv4" : "IPv6" }
}
