import NetState

/// How this node finds its own lease among the cluster's.
public enum NodeSelector: Hashable, Sendable {
    /// `--node-ip`: the lease whose PublicIP is this address.
    case publicIP(IPv4Address)
    /// `--node`: the lease of this node name (kubectl input).
    case name(String)
    /// Neither given: the lease whose PublicIP is one of the underlay's addresses.
    case automatic
}

extension NodeSelector: CustomStringConvertible {
    public var description: String {
        switch self {
        case let .publicIP(ip): "node with PublicIP \(ip)"
        case let .name(name): "node \"\(name)\""
        case .automatic: "this node (no lease's PublicIP is an address of the underlay interface)"
        }
    }
}
