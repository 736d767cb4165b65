import Foundation
import Testing
import TestSupport

/// flannel's MASQUERADE in both of its modes on the namespace cluster, judged by the kernel and
/// by real traffic: iptables mode (flannel's default) and `EnableNFTables: true`.
@Suite(.enabled(if: KernelTestEnvironment.isRoot, "needs root for network namespaces"))
struct IptablesModeKernelTests {
    /// The `-N`/`-A` lines of one table in a fixture's `iptables-nft -S` capture, for node n1's
    /// lease (the captures were taken on nodes with other leases).
    static func layout(_ fixture: String, table: String, lease: String) throws -> [String] {
        let lines = try NftFixture.text("\(fixture).txt").split(separator: "\n").map(String.init)
        let captured = try #require(lines.first { $0.hasPrefix("# node") || $0.hasPrefix("# iptables") })
        let leaseThere = captured.hasPrefix("# node")
            ? String(captured.split(separator: "=")[1].prefix { $0 != ")" }).replacingOccurrences(of: ".1/", with: ".0/")
            : "10.244.1.0/24"
        guard let start = lines.firstIndex(of: "# iptables-nft -t \(table) -S") else { return [] }
        return lines[(start + 1)...].prefix { !$0.hasPrefix("#") }
            .filter { $0.hasPrefix("-N ") || $0.hasPrefix("-A ") }
            .map { $0.replacingOccurrences(of: leaseThere, with: lease) }
    }

    /// `iptables-nft -t TABLE -S` without the policy lines.
    static func listed(_ scenario: ClusterScenario, node: Int, table: String) throws -> [String] {
        try scenario.cluster.exec(node: node, ["iptables-nft", "-t", table, "-S"]).stdout.split(separator: "\n")
            .map(String.init).filter { !$0.hasPrefix("-P ") }
    }

    /// Removes every iptables-nft rule and user chain of n's nat and filter tables.
    static func clear(_ scenario: ClusterScenario, node: Int) throws {
        for table in ["nat", "filter"] {
            try scenario.cluster.exec(node: node, ["iptables-nft", "-t", table, "-F"])
            try scenario.cluster.exec(node: node, ["iptables-nft", "-t", table, "-X"])
        }
    }

    /// flanneld v0.18.1's and v0.20.2's rules (as they installed them) and the current layout,
    /// each loaded with `iptables-nft-restore`: the plan is empty, and nothing is rewritten.
    /// Then flannel's chains flushed (a firewall reload): apply writes the current layout, and
    /// `iptables-nft -S` prints exactly flannel's rules.
    @Test func everyFlannelLayoutPlansNothingAndAFlushIsRepaired() throws {
        let scenario = try ClusterScenario(members: [1, 2, 3])
        defer { scenario.shutdown() }
        try scenario.convergeOnVxlanFromNothing()
        let lease = try scenario.cluster.node(1).leaseSubnet
        for fixture in ["ipt-flannel-v0.18.1", "ipt-flannel-v0.20.2", "ipt-flannel-current"] {
            try Self.clear(scenario, node: 1)
            for table in ["nat", "filter"] {
                let rules = try Self.layout(fixture, table: table, lease: lease)
                let input = (["*\(table)"] + rules + ["COMMIT", ""]).joined(separator: "\n")
                let file = scenario.directory.appendingPathComponent("\(fixture)-\(table).rules").path
                try input.write(toFile: file, atomically: true, encoding: .utf8)
                try scenario.cluster.exec(node: 1, ["sh", "-c", "iptables-nft-restore --noflush < '\(file)'"])
            }
            let before = try ["nat", "filter"].map { try Self.listed(scenario, node: 1, table: $0) }
            let plan = try scenario.tool("plan", node: 1, ["--detailed-exitcode"])
            #expect(plan.status == 0, "\(fixture): \(plan.stdout)\(plan.stderr)")
            let after = try ["nat", "filter"].map { try Self.listed(scenario, node: 1, table: $0) }
            #expect(after == before)
        }

        try scenario.cluster.exec(node: 1, ["iptables-nft", "-t", "nat", "-F", "FLANNEL-POSTRTG"])
        try scenario.cluster.exec(node: 1, ["iptables-nft", "-t", "filter", "-F", "FLANNEL-FWD"])
        let repair = try scenario.tool("plan", node: 1)
        #expect(repair.stdout.contains("+ iptables -t filter: flannel's rules as flannel v0.20+ writes them (0 to delete, 2 to append"), "\(repair.stdout)")
        #expect(repair.stdout.contains("+ iptables -t nat: flannel's rules as flannel v0.21+ writes them (0 to delete, 6 to append"), "\(repair.stdout)")
        try scenario.apply(on: [1])
        for table in ["nat", "filter"] {
            #expect(try Self.listed(scenario, node: 1, table: table) == (try Self.layout("ipt-flannel-current", table: table, lease: lease)))
        }
        #expect(try scenario.tool("plan", node: 1, ["--detailed-exitcode"]).status == 0)
    }

    /// Counts, in `namespace`, packets of one ICMP echo direction at a hook: which source
    /// address reached it.
    struct Counter {
        let cluster: NamespaceCluster
        let namespace: String
        let hook: String

        init(_ cluster: NamespaceCluster, namespace: String, hook: String, sources: [String], directory: URL) throws {
            (self.cluster, self.namespace, self.hook) = (cluster, namespace, hook)
            let file = directory.appendingPathComponent("observer-\(namespace).nft").path
            try """
                table ip observer {
                    chain seen {
                        type filter hook \(hook) priority -400; policy accept;
                \(sources.map { "        icmp type echo-request ip saddr \($0) counter" }.joined(separator: "\n"))
                    }
                }

                """.write(toFile: file, atomically: true, encoding: .utf8)
            try Shell.run(["ip", "netns", "exec", namespace, "nft", "-f", file])
        }

        /// Packets counted per source address.
        func packets() throws -> [String: Int] {
            let text = try Shell.run(["ip", "netns", "exec", namespace, "nft", "list", "chain", "ip", "observer", "seen"]).stdout
            var counts: [String: Int] = [:]
            for line in text.split(separator: "\n") where line.contains("counter packets") {
                let words = line.split(separator: " ").map(String.init)
                guard let source = words.firstIndex(of: "saddr").map({ words[$0 + 1] }),
                      let packets = words.firstIndex(of: "packets").flatMap({ Int(words[$0 + 1]) }) else { continue }
                counts[source] = packets
            }
            return counts
        }
    }

    /// Pod-to-pod traffic keeps the pod's address; pod-to-outside leaves with the node's: in
    /// iptables mode, then again after switching the same node to `EnableNFTables: true` (the
    /// plan creates `ip flannel-ipv4` and removes the iptables-mode rules in that order).
    @Test func podToPodIsNotMasqueradedAndPodToOutsideIs() throws {
        let scenario = try ClusterScenario(members: [1, 2, 3])
        defer { scenario.shutdown() }
        try scenario.convergeOnVxlanFromNothing()
        let (n1, n2) = (try scenario.cluster.node(1), try scenario.cluster.node(2))

        func check(_ mode: String) throws {
            let toPod = try Counter(
                scenario.cluster, namespace: n2.podNamespace, hook: "input", sources: [n1.podIP, n1.publicIP], directory: scenario.directory
            )
            let toOutside = try Counter(
                scenario.cluster, namespace: scenario.cluster.routerNamespace, hook: "input", sources: [n1.podIP, n1.publicIP],
                directory: scenario.directory
            )
            #expect(try scenario.cluster.canPing(fromPod: 1, toPod: 2, count: 3, timeout: 2), "\(mode): pod to pod")
            #expect(try scenario.cluster.execPod(node: 1, ["ping", "-c", "3", "-W", "2", "172.22.0.1"], check: false).status == 0,
                    "\(mode): pod to outside")
            let pod = try toPod.packets(), outside = try toOutside.packets()
            #expect(pod[n1.podIP] == 3 && pod[n1.publicIP] == 0, "\(mode): pod-to-pod keeps the pod's source: \(pod)")
            #expect(outside[n1.publicIP] == 3 && outside[n1.podIP] == 0, "\(mode): pod-to-outside is masqueraded: \(outside)")
            for namespace in [n2.podNamespace, scenario.cluster.routerNamespace] {
                try Shell.run(["ip", "netns", "exec", namespace, "nft", "delete", "table", "ip", "observer"])
            }
        }
        try check("iptables mode")

        try scenario.setNFTables(true)
        let plan = try scenario.tool("plan", node: 1).stdout
        let create = try #require(plan.range(of: "+ nft table ip flannel-ipv4"), "\(plan)")
        let remove = try #require(plan.range(of: "- iptables -t nat: flannel's rules removed"), "\(plan)")
        #expect(create.lowerBound < remove.lowerBound, "make before break across the modes")
        try scenario.apply(on: [1])
        #expect(try Self.listed(scenario, node: 1, table: "nat").isEmpty)
        #expect(try scenario.cluster.exec(node: 1, ["nft", "list", "table", "ip", "flannel-ipv4"]).status == 0)
        try check("nf_tables mode")
    }
}
