import NetState

/// How this node finds its own lease among the cluster's.
public enum NodeSelector: Hashable, Sendable {
    /// `--node-ip`: the lease whose PublicIP (an IPv4 address) or PublicIPv6 (an IPv6 one) is
    /// this address.
    case publicIP(IPAddress)
    /// `--node`: the lease of this node name (kubectl input).
    case name(String)
    /// Neither given: the lease whose PublicIP is one of the underlay's addresses.
    case automatic
}

extension NodeSelector: CustomStringConvertible {
    public var description: String {
        switch self {
        case let .publicIP(.v4(ip)): "node with PublicIP \(ip)"
        case let .publicIP(.v6(ip)): "node with PublicIPv6 \(ip)"
        case let .name(name): "node \"\(name)\""
        case .automatic: "this node (no lease's PublicIP is an address of the underlay interface)"
        }
    }
}

extension NodeSelector {
    /// `--node-ip` with an IPv4 address.
    public static func publicIP(_ ip: IPv4Address) -> NodeSelector { .publicIP(.v4(ip)) }
}
