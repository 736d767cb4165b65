import Foundation

/// The flannel-owned part of a node's kernel, read with `ip` and `bridge` and cut down to lines
/// an assertion can compare exactly: what an operator would paste into a bug report.
extension ClusterScenario {
    /// `ip route show` lines (main table) for other nodes' lease subnets, trimmed, sorted.
    /// The node's own `cni0` route and anything outside 10.244.j.0/24 (j = 1...4) are left out.
    func peerRoutes(node index: Int) throws -> [String] {
        let peers = cluster.nodes.filter { $0.index != index }.map { "\($0.leaseSubnet) " }
        return try Self.lines(cluster.routes(node: index)).filter { line in peers.contains { line.hasPrefix($0) } }
    }

    /// `ip neigh show dev flannel.1`, trimmed, sorted; empty when the device is gone.
    func vxlanNeighbors(node index: Int) throws -> [String] {
        guard try hasVxlanDevice(node: index) else { return [] }
        return try Self.lines(cluster.neighbors(node: index, device: "flannel.1"))
    }

    /// `bridge fdb show dev flannel.1`, trimmed, sorted; empty when the device is gone.
    func vxlanFdb(node index: Int) throws -> [String] {
        guard try hasVxlanDevice(node: index) else { return [] }
        return try Self.lines(cluster.fdb(node: index, device: "flannel.1"))
    }

    func hasVxlanDevice(node index: Int) throws -> Bool {
        try cluster.ip(node: index, ["link", "show", "dev", "flannel.1"], check: false).succeeded
    }

    static func lines(_ text: String) -> [String] {
        text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.sorted()
    }

    // MARK: - What flannel programs

    /// flannel's vxlan route to `peer`: `S via S.0 dev flannel.1 onlink`.
    func vxlanRoute(to peer: Int) throws -> String {
        let node = try cluster.node(peer)
        return "\(node.leaseSubnet) via \(node.leaseGateway) dev flannel.1 onlink"
    }

    /// A host-gw (or DirectRouting) route to `peer`: `S via P dev eth0`.
    func directRoute(to peer: Int) throws -> String {
        let node = try cluster.node(peer)
        return "\(node.leaseSubnet) via \(node.publicIP) dev eth0"
    }

    /// `ip neigh` wording of flannel's entry for `peer`.
    func vxlanNeighbor(of peer: Int) throws -> String {
        let node = try cluster.node(peer)
        return "\(node.leaseGateway) lladdr \(node.vtepMAC) PERMANENT"
    }

    /// `bridge fdb` wording of flannel's entry for `peer`.
    func vxlanFdbEntry(of peer: Int) throws -> String {
        let node = try cluster.node(peer)
        return "\(node.vtepMAC) dst \(node.publicIP) self permanent"
    }

    /// Differences between what node `index` holds and what flannel would program for it, given
    /// which peers it reaches through vxlan and which directly; empty when they agree exactly.
    /// The vxlan device is expected exactly when `device` is true.
    func flannelStateMismatches(node index: Int, vxlanPeers: [Int], directPeers: [Int], device: Bool) throws -> [String] {
        var problems: [String] = []
        func compare(_ what: String, _ actual: [String], _ expected: [String]) {
            if actual != expected.sorted() {
                problems.append("n\(index) \(what):\n  have \(actual)\n  want \(expected.sorted())")
            }
        }
        compare("routes", try peerRoutes(node: index), try vxlanPeers.map(vxlanRoute) + directPeers.map(directRoute))
        compare("neighbours on flannel.1", try vxlanNeighbors(node: index), try vxlanPeers.map(vxlanNeighbor))
        compare("fdb on flannel.1", try vxlanFdb(node: index), try vxlanPeers.map(vxlanFdbEntry))

        let hasDevice = try hasVxlanDevice(node: index)
        guard hasDevice == device else {
            problems.append("n\(index): flannel.1 \(hasDevice ? "exists but should not" : "is missing")")
            return problems
        }
        guard device else { return problems }
        let node = try cluster.node(index)
        let link = try cluster.links(node: index, device: "flannel.1")
        // A node whose own lease went host-gw keeps the device for its vxlan peers; its MAC no
        // longer matters to anyone.
        let mac = leases[index] == .vxlan ? ["link/ether \(node.vtepMAC) "] : []
        for fragment in mac + ["mtu 1450", "vxlan id 1 local \(node.publicIP) dev eth0 ", " dstport 8472 ", " nolearning "]
        where !link.contains(fragment) {
            problems.append("n\(index): `ip -d link show flannel.1` lacks \"\(fragment)\":\n\(link)")
        }
        if !link.contains("state UNKNOWN") && !link.contains(",UP") {
            problems.append("n\(index): flannel.1 is not up:\n\(link)")
        }
        let address = try cluster.addresses(node: index, device: "flannel.1")
        let inet = address.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.hasPrefix("inet ") }
        if inet.count != 1 || !inet[0].hasPrefix("inet \(node.leaseGateway)/32 ") {
            problems.append("n\(index): flannel.1 should hold exactly \(node.leaseGateway)/32:\n\(address)")
        }
        return problems
    }
}
