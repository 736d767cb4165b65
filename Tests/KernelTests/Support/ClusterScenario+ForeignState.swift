import Foundation

/// Objects on a node that belong to someone else (the host's own routes, a blackhole an admin
/// put inside the cluster CIDR, a static neighbour, another nf_tables NAT table): the tool must
/// leave every one byte-identical, whatever it plans.
extension ClusterScenario {
    /// Adds the foreign objects to node `index`.
    func addForeignState(node index: Int) throws {
        let node = try cluster.node(index)
        let underlayNet = node.routerIP.split(separator: ".").dropLast().joined(separator: ".")
        for command in [
            ["ip", "route", "add", "192.168.77.0/24", "via", node.routerIP],
            ["ip", "route", "add", "blackhole", "10.244.200.0/24"],
            ["ip", "neigh", "replace", "\(underlayNet).77", "lladdr", "52:54:00:00:00:77", "dev", "eth0", "nud", "permanent"],
            ["nft", "add", "table", "ip", "nat"],
            ["nft", "add", "chain", "ip", "nat", "postrouting", "{ type nat hook postrouting priority srcnat ; }"],
            ["nft", "add", "rule", "ip", "nat", "postrouting", "ip", "saddr", "10.99.0.0/16", "masquerade"],
        ] {
            try cluster.exec(node: index, command)
        }
    }

    /// Node `index`'s foreign state as text: every IPv4 route of every table except the ones
    /// the tool owns (routes to peers' lease subnets and anything on flannel.1, including the
    /// local-table entries of its address), every permanent IPv4 neighbour not on flannel.1,
    /// and the foreign chain of the `ip nat` table (flannel's iptables-mode rules share it). IPv6 is left out: link-local routes appear on their own
    /// when duplicate address detection ends, which is not a change anyone made.
    func foreignListing(node index: Int) throws -> String {
        let owned = try Regex(#"^10\.244\.[0-9]+\.0/24 via [0-9.]+ dev (eth0|flannel\.1)"#)
        let routes = try cluster.ip(node: index, ["-4", "route", "show", "table", "all"]).stdout
            .split(separator: "\n").filter { !$0.contains("dev flannel.1") && $0.firstMatch(of: owned) == nil }
        let neighbors = try cluster.ip(node: index, ["-4", "neigh", "show", "nud", "permanent"]).stdout
            .split(separator: "\n").filter { !$0.contains("dev flannel.1") }
        // The foreign chain of `ip nat`: flannel's iptables-mode chains now share that table.
        let nat = try cluster.exec(node: index, ["nft", "list", "chain", "ip", "nat", "postrouting"]).stdout
        return (routes + ["----"] + neighbors + ["----", Substring(nat)]).joined(separator: "\n")
    }

    /// Lines only in `before` (`-`) or only in `after` (`+`), for a failure message.
    static func difference(_ before: String, _ after: String) -> String {
        let old = before.split(separator: "\n"), new = after.split(separator: "\n")
        return (old.filter { !new.contains($0) }.map { "- \($0)" } + new.filter { !old.contains($0) }.map { "+ \($0)" })
            .joined(separator: "\n")
    }
}
