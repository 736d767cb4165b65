import Desired
import Foundation
import NetState

/// flanneld's own files as the defaults of the inputs, so that on a flannel node `observe`
/// needs no flags and `plan` only the leases (issue 12): `--net-conf` when given; else
/// flanneld's net-conf (`--net-config-path`, default `/etc/kube-flannel/net-conf.json`) when it
/// exists; else its `subnet.env` (`--subnet-file`, default `/run/flannel/subnet.env`), which
/// gives `Network`, the node's own subnet, the MTU and ip-masq, while the backend and VNI come
/// from the node's own lease, or from the live `flannel.<VNI>` device for `observe`.
enum FlannelFiles {
    static let defaultNetConfigPath = "/etc/kube-flannel/net-conf.json"
    static let defaultSubnetFile = "/run/flannel/subnet.env"

    enum NetConfOrigin {
        case netConf(String)
        case subnetEnv(String, SubnetEnvFile)
    }

    /// Which file the net-conf comes from. Explicit flags win; a default file counts only when
    /// it exists (an explicit `--net-config-path` too, as flanneld falls back the same way).
    static func netConfOrigin(_ flags: InputOptions) throws -> NetConfOrigin {
        if let path = flags.netConf { return .netConf(path) }
        let netConfigPath = flags.netConfigPath ?? defaultNetConfigPath
        if exists(netConfigPath) { return .netConf(netConfigPath) }
        let subnetFile = flags.subnetFile ?? defaultSubnetFile
        if exists(subnetFile) || flags.subnetFile == "-" {
            let env = try SubnetEnvReader.parse(try ClusterInputs.read(subnetFile, limit: .subnetEnv), source: subnetFile)
            return .subnetEnv(subnetFile, env)
        }
        throw InputError(.missingField, "no --net-conf given, and neither \(netConfigPath) nor \(subnetFile) exists")
    }

    /// Whether something is at `path` (anything: a FIFO or a directory is then refused by the
    /// reader with its own message, not silently skipped).
    private static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// A net-conf built from subnet.env, the own lease it names, and the header line saying so.
    struct Derived {
        var netConf: NetConf
        var ownLease: Lease?
        var source: String
    }

    /// - Throws: when leases were given and none has subnet.env's `FLANNEL_SUBNET` (on an
    ///   IPv6-only node, `FLANNEL_IPV6_SUBNET`), unless a node flag names the node another way.
    static func netConf(
        from env: SubnetEnvFile, path: String, leases: [Lease], leaseSource: String, flags: InputOptions,
        liveVNIs: (() throws -> [UInt32])?
    ) throws -> Derived {
        // The own lease by the subnet subnet.env names: the IPv4 one, or the IPv6 one on an
        // IPv6-only node.
        let own = env.lease.flatMap { lease in leases.first { $0.subnet == lease } }
            ?? env.ipv6Lease.flatMap { lease in leases.first { $0.subnet6 == lease } }
        if own == nil, !leases.isEmpty, flags.nodeIP == nil, flags.node == nil {
            if let lease = env.lease {
                throw InputError(
                    .noLeaseForNode, source: leaseSource,
                    "no lease for subnet \(lease) (FLANNEL_SUBNET of \(path)); pass --node-ip or --node"
                )
            } else if let lease = env.ipv6Lease {
                throw InputError(
                    .noLeaseForNode, source: leaseSource,
                    "no lease for subnet \(lease) (FLANNEL_IPV6_SUBNET of \(path)); pass --node-ip or --node"
                )
            }
        }
        var type: BackendType
        var vni: UInt32 = 1
        var from: String
        if let own {
            // flannel writes BackendType into every lease; a VtepMAC is what vxlan needs.
            type = own.backendType ?? (own.vtepMAC != nil || own.vtepMAC6 != nil ? .vxlan : .hostGW)
            vni = own.vni ?? own.vni6 ?? 1
            from = "lease \(own.key)"
        } else if let live = try liveVNIs?(), let first = live.first {
            type = .vxlan
            vni = first
            from = "the live flannel.\(first)"
        } else {
            type = liveVNIs == nil ? .vxlan : .hostGW
            from = liveVNIs == nil ? "default" : "no flannel.<VNI> device"
        }
        // FLANNEL_MTU is what pods get: the underlay's MTU less vxlan's IPv4 overhead (50, even
        // on an IPv6-only node: v0.20.2 `backend/vxlan/vxlan_network.go:82–84`), or host-gw's
        // underlay MTU.
        let mtu = env.mtu.map { type == .vxlan ? $0 + 50 : $0 }
        // The families are those whose lines flanneld wrote (it writes a family's lines only
        // when the family is enabled).
        let netConf = NetConf(
            network: env.network, subnetLen: env.lease?.length, enableIPv4: env.network != nil,
            enableIPv6: env.ipv6Network != nil, ipv6Network: env.ipv6Network, ipv6SubnetLen: env.ipv6Lease?.length,
            backend: NetConf.Backend(type: type, vni: vni, mtu: mtu)
        )
        let backend = type == .vxlan ? "vxlan, VNI \(vni)" : type.rawValue
        return Derived(
            netConf: netConf, ownLease: own, source: "\(path) (\(env.networksDescription)); backend \(backend) from \(from)"
        )
    }
}
