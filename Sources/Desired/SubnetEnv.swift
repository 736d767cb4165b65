import NetState

/// `/run/flannel/subnet.env` as flannel writes it (v0.20.2 `main.go`, `WriteSubnetFile`): the
/// CNI plugin reads it to configure `cni0`. The IPv4 lines only with `EnableIPv4`, the IPv6 ones
/// only with `EnableIPv6`, each lease written with its first address incremented by one.
public struct SubnetEnv: Hashable, Sendable, CustomStringConvertible {
    public var network: IPv4Prefix?
    /// The lease with its first address incremented by one: `10.244.1.1/24` for `10.244.1.0/24`.
    public var subnet: InterfaceAddress?
    public var ipv6Network: IPv6Prefix?
    /// `fd00:10:244:1::1/64` for `fd00:10:244:1::/64`.
    public var ipv6Subnet: InterfaceAddress?
    public var mtu: UInt32
    public var ipMasq: Bool

    public init(
        network: IPv4Prefix?, lease: IPv4Prefix?, ipv6Network: IPv6Prefix? = nil, ipv6Lease: IPv6Prefix? = nil,
        mtu: UInt32, ipMasq: Bool
    ) {
        if let network, let lease {
            self.network = network
            subnet = InterfaceAddress(address: lease.address.advanced(by: 1), length: lease.length)
        }
        if let ipv6Network, let ipv6Lease {
            self.ipv6Network = ipv6Network
            ipv6Subnet = InterfaceAddress(address: .v6(ipv6Lease.address.advanced(by: 1)), length: ipv6Lease.length)
        }
        self.mtu = mtu
        self.ipMasq = ipMasq
    }

    public var description: String {
        var lines: [String] = []
        if let network, let subnet { lines += ["FLANNEL_NETWORK=\(network)", "FLANNEL_SUBNET=\(subnet)"] }
        if let ipv6Network, let ipv6Subnet {
            lines += ["FLANNEL_IPV6_NETWORK=\(ipv6Network)", "FLANNEL_IPV6_SUBNET=\(ipv6Subnet)"]
        }
        lines += ["FLANNEL_MTU=\(mtu)", "FLANNEL_IPMASQ=\(ipMasq)"]
        return lines.joined(separator: "\n") + "\n"
    }
}
