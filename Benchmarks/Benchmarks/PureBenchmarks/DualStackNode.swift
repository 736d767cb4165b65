import Desired
import NetState
import Planner

/// A dual-stack node of the synthetic cluster (issue 14): net-conf `EnableIPv6` with
/// IPv6Network fd00::/48 and /64 leases, each lease given the IPv6 half `scripts/gen-cluster …
/// dual` writes (fd00:0:0:s::/64, PublicIPv6 fd00:172:16::i+1, VtepMAC …:00:02). The leases are
/// built in memory, not read: this measures the desired state and the diff of both families,
/// whatever the lease readers do.
struct DualStackNode: Sendable {
    let netConf: NetConf
    let leases: [Lease]
    let facts: LinkFacts
    let ownership: Ownership
    /// Computed separately from the benchmark's own desired state, as `PreparedNode`'s.
    let observed: NetworkState

    init(count: Int) throws {
        let cluster = SyntheticCluster(count: count)
        netConf = try NetConfReader.parse(
            Array(#"{"Network": "10.0.0.0/8", "EnableIPv6": true, "IPv6Network": "fd00::/48", "EnableNFTables": true, "Backend": {"Type": "vxlan"}}"#.utf8),
            source: "net-conf.json"
        )
        var leases = try LeaseReader.parse(cluster.keyedObject, source: "leases.json")
        for index in leases.indices {
            let s = UInt64(index + 256), ip = UInt64(index + 1)
            leases[index].subnet6 = IPv6Prefix(address: IPv6Address(high: 0xfd00_0000_0000_0000 | s, low: 0), length: 64)
            leases[index].publicIPv6 = IPv6Address(high: 0xfd00_0172_0016_0000, low: ip)
            leases[index].vtepMAC6 = leases[index].vtepMAC.map { MACAddress($0.value + 1) }
            leases[index].vni6 = 1
        }
        self.leases = leases
        facts = LinkFacts(
            underlay: "eth0", mtu: 1500,
            addresses: [
                InterfaceAddress(address: IPv4Address(172, 16, 0, 1), length: 12),
                InterfaceAddress(address: .v6(IPv6Address(high: 0xfd00_0172_0016_0000, low: 1)), length: 64),
            ],
            onLinkNetworks: [
                .v4(IPv4Prefix(address: IPv4Address(172, 16, 0, 0), length: 12)),
                .v6(IPv6Prefix(address: IPv6Address(high: 0xfd00_0172_0016_0000, low: 0), length: 64)),
            ]
        )
        let desired = try DesiredState.compute(netConf: netConf, leases: leases, node: PreparedNode.node, facts: facts)
        observed = try DesiredState.compute(netConf: netConf, leases: leases, node: PreparedNode.node, facts: facts).state
        guard let network = netConf.network(.inet), let network6 = netConf.network(.inet6) else {
            throw SetupFailure("the net-conf is not dual-stack")
        }
        ownership = Ownership(
            ipv4: Ownership.Family(cluster: network, ownSubnet: desired.ownLease.subnet.map(IPPrefix.v4), subnetLengths: desired.subnetLengths),
            ipv6: Ownership.Family(cluster: network6, ownSubnet: desired.ownLease.subnet6.map(IPPrefix.v6), subnetLengths: desired.subnetLengths6),
            vxlanDevice: netConf.vxlanDeviceName, vxlan6Device: netConf.vxlan6DeviceName, underlay: desired.underlay
        )
        let objects = desired.state.routes.count + desired.state.neighbors.count + desired.state.fdb.count
        guard objects == 6 * (count - 1), desired.state.vxlan6 != nil,
              Planner.plan(desired: desired.state, observed: observed, ownership: ownership).isEmpty
        else {
            throw SetupFailure("dual-stack: \(objects) objects for \(count) leases, or the converged plan is not empty")
        }
    }
}
