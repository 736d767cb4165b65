/// One simulated flannel node and its addressing, as strings ready for `ip` and lease files.
///
/// Nodes n1..n3 share the underlay bridge (172.22.0.0/24); n4 sits behind the router on
/// 172.23.0.0/24, so it is the peer host-gw cannot reach directly.
struct ClusterNode: Sendable, Equatable {
    /// 1-based, as in n1..n4; also the third octet of the lease subnet.
    let index: Int
    /// Short name, `n1`...
    let name: String
    /// The node's network namespace, for `ip netns exec`.
    let namespace: String
    /// The node's single pod's namespace.
    let podNamespace: String
    /// Underlay interface inside the node namespace (flannel's "external interface").
    let underlayDevice: String
    /// The node's underlay address (flannel's PublicIP), without prefix length.
    let publicIP: String
    /// Prefix length of the underlay subnet.
    let underlayPrefixLength: Int
    /// The node's underlay subnet, e.g. `172.22.0.0/24` (what `--on-link` would be given).
    let underlaySubnet: String
    /// The router's address on this node's underlay subnet; the node's default gateway.
    let routerIP: String
    /// The node's flannel lease, e.g. `10.244.1.0/24`.
    let leaseSubnet: String
    /// The `cni0` bridge and its address (the pods' gateway), e.g. `10.244.1.1`.
    let bridgeDevice: String
    let bridgeIP: String
    /// The pod's address inside `leaseSubnet`, e.g. `10.244.1.2`.
    let podIP: String
    /// The node-side veth of the pod, enslaved to `cni0`.
    let podVethDevice: String

    /// The IPv6 half, used by dual-stack clusters: the underlay address (flannel's PublicIPv6),
    /// the router's, the IPv6 lease, the `cni0` address and the pod's.
    var publicIPv6: String { isBehindRouter ? "fd00:172:23::14" : "fd00:172:22::1\(index)" }
    var routerIPv6: String { isBehindRouter ? "fd00:172:23::1" : "fd00:172:22::1" }
    var underlaySubnet6: String { isBehindRouter ? "fd00:172:23::/64" : "fd00:172:22::/64" }
    var leaseSubnet6: String { "fd00:10:244:\(index)::/64" }
    var bridgeIPv6: String { "fd00:10:244:\(index)::1" }
    var podIPv6: String { "fd00:10:244:\(index)::2" }

    /// `publicIP/prefix`, as `ip addr` shows it.
    var publicAddressCIDR: String { "\(publicIP)/\(underlayPrefixLength)" }

    /// True for the node behind the router (not on-link with the others).
    var isBehindRouter: Bool { index == 4 }

    static func make(index: Int, prefix: String) -> ClusterNode {
        let behindRouter = index == 4
        let underlayNet = behindRouter ? "172.23.0" : "172.22.0"
        return ClusterNode(
            index: index,
            name: "n\(index)",
            namespace: "\(prefix)n\(index)",
            podNamespace: "\(prefix)n\(index)-pod",
            underlayDevice: "eth0",
            publicIP: "\(underlayNet).\(10 + index)",
            underlayPrefixLength: 24,
            underlaySubnet: "\(underlayNet).0/24",
            routerIP: "\(underlayNet).1",
            leaseSubnet: "10.244.\(index).0/24",
            bridgeDevice: "cni0",
            bridgeIP: "10.244.\(index).1",
            podIP: "10.244.\(index).2",
            podVethDevice: "vethpod0"
        )
    }
}
