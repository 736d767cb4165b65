import Foundation

/// A cluster node as flannel's lease store sees it: the key and JSON value flanneld would have
/// written for it, with a VtepMAC invented per node (flannel takes the kernel's random MAC of
/// `flannel.1`; the tool instead gives the device the lease's MAC, so any fixed one will do).
extension ClusterNode {
    /// How the node's lease advertises it: vxlan with BackendData, or host-gw without.
    enum LeaseBackend: String, Sendable, Equatable {
        case vxlan
        case hostGateway = "host-gw"
    }

    /// `0e:00:00:00:0i:01`: locally administered, unicast, and readable in a failure message.
    var vtepMAC: String { String(format: "0e:00:00:00:%02x:01", index) }

    /// The lease subnet's first address, the vxlan gateway `S.0` flannel routes through.
    var leaseGateway: String { "10.244.\(index).0" }

    /// The etcd key flanneld writes, e.g. `/coreos.com/network/subnets/10.244.1.0-24`.
    var leaseKey: String { "/coreos.com/network/subnets/10.244.\(index).0-24" }

    /// The lease value as flanneld marshals it (`BackendData` omitted for host-gw); on a
    /// dual-stack cluster with `PublicIPv6` and `BackendV6Data` (v0.20.2 `subnet/subnet.go:37–43`,
    /// `backend/vxlan/vxlan.go:107–117`).
    func leaseValue(_ backend: LeaseBackend, dualStack: Bool = false) -> [String: Any] {
        var value: [String: Any] = [
            "PublicIP": publicIP, "PublicIPv6": dualStack ? publicIPv6 : NSNull(), "BackendType": backend.rawValue,
        ]
        if backend == .vxlan {
            value["BackendData"] = ["VNI": 1, "VtepMAC": vtepMAC]
            if dualStack { value["BackendV6Data"] = ["VNI": 1, "VtepMAC": vtepMAC6] }
        }
        return value
    }

    /// `0e:00:00:00:0i:06`: the MAC of the node's `flannel-v6.1`.
    var vtepMAC6: String { String(format: "0e:00:00:00:%02x:06", index) }

    /// The etcd key of a dual-stack lease: both subnets joined by `&` (flannel's `MakeSubnetKey`).
    var dualStackLeaseKey: String { leaseKey + "&fd00:10:244:\(index)::-64" }

    /// The IPv6 lease's first address, the gateway `S6::` flannel routes through.
    var leaseGateway6: String { "fd00:10:244:\(index)::" }
}
