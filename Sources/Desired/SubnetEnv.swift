import NetState

/// `/run/flannel/subnet.env` as flannel writes it: the CNI plugin reads it to configure `cni0`.
public struct SubnetEnv: Hashable, Sendable, CustomStringConvertible {
    public var network: IPv4Prefix
    /// The lease with its first address incremented by one: `10.244.1.1/24` for `10.244.1.0/24`.
    public var subnet: InterfaceAddress
    public var mtu: UInt32
    public var ipMasq: Bool

    public init(network: IPv4Prefix, lease: IPv4Prefix, mtu: UInt32, ipMasq: Bool) {
        self.network = network
        subnet = InterfaceAddress(address: lease.address.advanced(by: 1), length: lease.length)
        self.mtu = mtu
        self.ipMasq = ipMasq
    }

    public var description: String {
        """
        FLANNEL_NETWORK=\(network)
        FLANNEL_SUBNET=\(subnet)
        FLANNEL_MTU=\(mtu)
        FLANNEL_IPMASQ=\(ipMasq)

        """
    }
}
