import Apply
import CMnl
import Desired
import Foundation
import Glibc
import NetState
import Netlink
import Observed
import Planner
import Testing
import TestSupport

/// flannel's IPv6 MASQUERADE in both of its modes, judged by the kernel and by real IPv6
/// traffic, through the library as the commands use it (read flannel's tables and chains in
/// one generation, plan, apply with the executor): ip6tables-nft's `ip6 nat` / `ip6 filter`
/// beside kube-proxy's IPv6 rules, and `ip6 flannel-ipv6`. C = fd00:10:244::/56.
@Suite(.enabled(if: KernelTestEnvironment.isRoot, "needs root for network namespaces"))
struct Ip6MasqueradeKernelTests {
    static let cluster = IPv6Prefix("fd00:10:244::/56")!
    static let lease = IPv6Prefix("fd00:10:244:1::/64")!

    static let ownership = Ownership(
        ipv4: nil, ipv6: .init(cluster: .v6(cluster), ownSubnet: .v6(lease), subnetLengths: [64]),
        vxlanDevice: "flannel.1", underlay: "eth0"
    )

    static func iptablesMode(fullyRandom: Bool = true) -> NetworkState {
        NetworkState(iptables: [
            FlannelIptablesRules.masquerade(cluster: cluster, lease: lease, fullyRandom: fullyRandom),
            FlannelIptablesRules.forward(cluster: cluster),
        ])
    }

    static func nftMode() -> NetworkState {
        var state = NetworkState()
        if let table = MasqueradeTable.table(cluster: cluster, lease: lease, ipMasq: true, fullyRandom: true) {
            state.tables[table.key] = table
        }
        return state
    }

    /// kube-proxy's IPv6 shapes (iptables mode) in the shared tables: they must survive every plan.
    static let kubeProxy = """
        *nat
        :KUBE-POSTROUTING - [0:0]
        -A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
        -A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
        -A KUBE-POSTROUTING -j MASQUERADE --random-fully
        COMMIT
        *filter
        :KUBE-FORWARD - [0:0]
        -A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
        -A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
        COMMIT

        """

    /// The state flannel's part of the node is in, read as `observe` reads it.
    static func observe(_ namespace: String) throws -> (state: NetworkState, generation: UInt32) {
        try NetworkNamespace.run(in: namespace) {
            let (tables, generation) = try NftReader.readFlannelState(tables: NftTable.flannelKeys, chains: LiveKernel.iptablesChains)
            return (NetworkState(tables: tables), generation)
        }
    }

    static func plan(_ desired: NetworkState, in namespace: String) throws -> (Plan, UInt32) {
        let (observed, generation) = try observe(namespace)
        return (Planner.plan(desired: desired, observed: observed, ownership: ownership), generation)
    }

    static func apply(_ plan: Plan, generation: UInt32, in namespace: String) throws -> ApplyReport {
        try NetworkNamespace.run(in: namespace) {
            let socket = try NetlinkSocket(protocol: NETLINK_ROUTE)
            defer { socket.close() }
            try socket.setReceiveTimeout(milliseconds: 10_000)
            return Applier().apply(plan, using: socket, tables: KernelNftApplier(), nftGeneration: generation)
        }
    }

    static func ip6tables(_ namespace: String, _ table: String) throws -> [String] {
        try Shell.run(["ip", "netns", "exec", namespace, "ip6tables-nft", "-t", table, "-S"]).stdout
            .split(separator: "\n").map(String.init).filter { !$0.hasPrefix("-P ") }
    }

    static func restore(_ namespace: String, _ text: String, directory: URL, name: String) throws {
        let file = directory.appendingPathComponent(name).path
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        try Shell.run(["ip", "netns", "exec", namespace, "sh", "-c", "ip6tables-nft-restore --noflush < '\(file)'"])
    }

    /// One table's `-N`/`-A` lines of a capture's `ip6tables-nft -S`.
    static func captured(_ fixture: String, table: String) throws -> [String] {
        let lines = try NftFixture.text("\(fixture).txt").split(separator: "\n").map(String.init)
        guard let start = lines.firstIndex(of: "# ip6tables-nft -t \(table) -S") else { return [] }
        return lines[(start + 1)...].prefix { !$0.hasPrefix("#") }.filter { $0.hasPrefix("-N ") || $0.hasPrefix("-A ") }
    }

    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ip6masq-\(getpid())-\(RunNames.nextPrefix())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// Each flannel version's IPv6 layout, loaded with `ip6tables-nft-restore` beside
    /// kube-proxy's rules: the plan is empty. Then flannel's chains flushed (a firewall reload):
    /// apply writes the current layout, kube-proxy's rules stay as they were, and
    /// `ip6tables-nft -S` prints exactly flannel's rules; the next plan is empty.
    @Test func everyIPv6LayoutPlansNothingAndAFlushIsRepaired() throws {
        let registry = NamespaceRegistry()
        defer { _ = registry.deleteAll() }
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for fixture in ["ip6t-flannel-v0.19", "ip6t-flannel-v0.20.0", "ip6t-flannel-v0.20.2", "ip6t-flannel-current"] {
            let namespace = RunNames.nextPrefix() + "m6"
            try registry.create(namespace)
            try Self.restore(namespace, Self.kubeProxy, directory: directory, name: "kube.rules")
            let kube = try ["nat", "filter"].map { try Self.ip6tables(namespace, $0) }
            for table in ["nat", "filter"] {
                let input = (["*\(table)"] + (try Self.captured(fixture, table: table)) + ["COMMIT", ""]).joined(separator: "\n")
                try Self.restore(namespace, input, directory: directory, name: "\(fixture)-\(table).rules")
            }
            let before = try ["nat", "filter"].map { try Self.ip6tables(namespace, $0) }
            let (plan, _) = try Self.plan(Self.iptablesMode(), in: namespace)
            #expect(plan.isEmpty, "\(fixture): \(plan.changes.map(\.description))")

            guard fixture == "ip6t-flannel-current" else { continue }
            try Shell.run(["ip", "netns", "exec", namespace, "ip6tables-nft", "-t", "nat", "-F", "FLANNEL-POSTRTG"])
            try Shell.run(["ip", "netns", "exec", namespace, "ip6tables-nft", "-t", "filter", "-F", "FLANNEL-FWD"])
            let (repair, generation) = try Self.plan(Self.iptablesMode(), in: namespace)
            let text = repair.changes.map(\.description).joined(separator: "\n")
            #expect(text.contains("+ ip6tables -t filter: flannel's rules as flannel v0.20+ writes them (0 to delete, 2 to append"), "\(text)")
            #expect(text.contains("+ ip6tables -t nat: flannel's rules as flannel v0.21+ writes them (0 to delete, 6 to append"), "\(text)")
            let report = try Self.apply(repair, generation: generation, in: namespace)
            #expect(report.failure == nil && report.isComplete, "\(report)")
            let after = try ["nat", "filter"].map { try Self.ip6tables(namespace, $0) }
            #expect(after == before, "the repaired tables list as flannel left them, kube-proxy's rules in place")
            for (index, table) in ["nat", "filter"].enumerated() {
                #expect(after[index].filter { !$0.contains("flanneld") && !$0.contains("FLANNEL") } == kube[index])
                #expect(after[index].filter { $0.contains("flanneld") || $0.contains("-N FLANNEL") }
                    == (try Self.captured("ip6t-flannel-current", table: table)))
            }
            #expect(try Self.plan(Self.iptablesMode(), in: namespace).0.isEmpty)
        }
    }

    /// From an empty node apply gives exactly flannel's `ip6tables -S`; without IPv6 in the
    /// desired state the next plan removes flannel's IPv6 rules and chains and nothing else.
    @Test func fromNothingAndBackToNothing() throws {
        let registry = NamespaceRegistry()
        defer { _ = registry.deleteAll() }
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let namespace = RunNames.nextPrefix() + "m6e"
        try registry.create(namespace)
        let (plan, generation) = try Self.plan(Self.iptablesMode(), in: namespace)
        #expect(try Self.apply(plan, generation: generation, in: namespace).failure == nil)
        for table in ["nat", "filter"] {
            #expect(try Self.ip6tables(namespace, table) == (try Self.captured("ip6t-flannel-current", table: table)))
        }
        try Self.restore(namespace, Self.kubeProxy, directory: directory, name: "kube.rules")
        let kube = try ["nat", "filter"].map { try Self.ip6tables(namespace, $0).filter { !$0.contains("flanneld") && !$0.contains("FLANNEL") } }
        let (removal, generation2) = try Self.plan(NetworkState(), in: namespace)
        #expect(try Self.apply(removal, generation: generation2, in: namespace).failure == nil)
        #expect(try ["nat", "filter"].map { try Self.ip6tables(namespace, $0) } == kube)
        #expect(try Self.plan(NetworkState(), in: namespace).0.isEmpty)
    }

    /// `-o script` from an empty node, run by bash: the same `ip6tables -S` as apply gives, and
    /// in nf_tables mode the same `nft list table ip6 flannel-ipv6`; the next plan is empty.
    @Test func theScriptBuildsWhatApplyBuilds() throws {
        let registry = NamespaceRegistry()
        defer { _ = registry.deleteAll() }
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for (tag, desired) in [("m6s", Self.iptablesMode()), ("m6t", Self.nftMode())] {
            let namespace = RunNames.nextPrefix() + tag
            try registry.create(namespace)
            let (plan, _) = try Self.plan(desired, in: namespace)
            let script = (["set -e"] + plan.changes.flatMap { PlanScript.commands(for: $0) }).joined(separator: "\n") + "\n"
            let file = directory.appendingPathComponent("\(tag).sh").path
            try script.write(toFile: file, atomically: true, encoding: .utf8)
            let run = try Shell.run(["ip", "netns", "exec", namespace, "bash", file], check: false)
            #expect(run.status == 0, "\(script)\n\(run.stderr)")
            if tag == "m6s" {
                #expect(script.contains("ip6tables-nft-restore --noflush <<'IPTABLES'\n*nat\n"), "\(script)")
                for table in ["nat", "filter"] {
                    #expect(try Self.ip6tables(namespace, table) == (try Self.captured("ip6t-flannel-current", table: table)))
                }
            } else {
                let listed = try Shell.run(["ip", "netns", "exec", namespace, "nft", "list", "table", "ip6", "flannel-ipv6"]).stdout
                #expect(listed == (desired.tables[NftTable.flannel6Key]?.description ?? "") + "\n")
            }
            #expect(try Self.plan(desired, in: namespace).0.isEmpty, "\(tag)")
        }
    }

    /// Counts ICMPv6 echo requests by source address at a namespace's input hook.
    static func counter(_ namespace: String, sources: [String], directory: URL) throws {
        let file = directory.appendingPathComponent("observer-\(namespace).nft").path
        try """
            table ip6 observer {
                chain seen {
                    type filter hook input priority -400; policy accept;
            \(sources.map { "        icmpv6 type echo-request ip6 saddr \($0) counter" }.joined(separator: "\n"))
                }
            }

            """.write(toFile: file, atomically: true, encoding: .utf8)
        try Shell.run(["ip", "netns", "exec", namespace, "nft", "-f", file])
    }

    static func packets(_ namespace: String) throws -> [String: Int] {
        let text = try Shell.run(["ip", "netns", "exec", namespace, "nft", "list", "chain", "ip6", "observer", "seen"]).stdout
        var counts: [String: Int] = [:]
        for line in text.split(separator: "\n") where line.contains("counter packets") {
            let words = line.split(separator: " ").map(String.init)
            guard let source = words.firstIndex(of: "saddr").map({ words[$0 + 1] }),
                  let packets = words.firstIndex(of: "packets").flatMap({ Int(words[$0 + 1]) }) else { continue }
            counts[source] = packets
        }
        return counts
    }

    /// Real IPv6 traffic on two nodes (host-gw style routes) and an outside host that has no
    /// route to the pods: pod-to-pod keeps the pod's address, pod-to-outside leaves with the
    /// node's (the outside host could not answer otherwise). In iptables mode, then after
    /// switching to nf_tables mode (the plan creates `ip6 flannel-ipv6` before it removes the
    /// iptables-mode rules: never a moment without MASQUERADE).
    @Test func ipv6PodToPodIsNotMasqueradedAndPodToOutsideIs() throws {
        let registry = NamespaceRegistry()
        defer { _ = registry.deleteAll() }
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let prefix = RunNames.nextPrefix()
        let (n1, p1, n2, p2, out) = (prefix + "n1", prefix + "p1", prefix + "n2", prefix + "p2", prefix + "out")
        for namespace in [n1, p1, n2, p2, out] {
            try registry.create(namespace)
            // No duplicate address detection, link-local addresses included: a packet queued
            // behind a tentative address would arrive seconds late and be counted by the
            // wrong check.
            for key in ["all", "default"] {
                try Shell.run(["ip", "netns", "exec", namespace, "sysctl", "-qw", "net.ipv6.conf.\(key).accept_dad=0"])
            }
        }
        func link(_ a: String, _ aAddress: String, _ b: String, _ bAddress: String, _ name: String) throws {
            try Shell.run(["ip", "link", "add", name + "a", "netns", a, "type", "veth", "peer", "name", name + "b", "netns", b])
            for (namespace, device, address) in [(a, name + "a", aAddress), (b, name + "b", bAddress)] {
                try Shell.run(["ip", "-n", namespace, "addr", "add", address, "dev", device, "nodad"])
                try Shell.run(["ip", "-n", namespace, "link", "set", device, "up"])
            }
        }
        try link(n1, "fd00:10:244:1::1/64", p1, "fd00:10:244:1::2/64", "v1")
        try link(n2, "fd00:10:244:2::1/64", p2, "fd00:10:244:2::2/64", "v2")
        try link(n1, "2001:db8:1::1/64", n2, "2001:db8:1::2/64", "u1")
        try link(n1, "2001:db8:2::1/64", out, "2001:db8:2::2/64", "o1")
        try Shell.run(["ip", "-n", p1, "-6", "route", "add", "default", "via", "fd00:10:244:1::1"])
        try Shell.run(["ip", "-n", p2, "-6", "route", "add", "default", "via", "fd00:10:244:2::1"])
        try Shell.run(["ip", "-n", n1, "-6", "route", "add", "fd00:10:244:2::/64", "via", "2001:db8:1::2"])
        try Shell.run(["ip", "-n", n2, "-6", "route", "add", "fd00:10:244:1::/64", "via", "2001:db8:1::1"])
        for namespace in [n1, n2] {
            try Shell.run(["ip", "netns", "exec", namespace, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1"])
        }

        func check(_ mode: String) throws {
            try Self.counter(p2, sources: ["fd00:10:244:1::2", "2001:db8:1::1"], directory: directory)
            try Self.counter(out, sources: ["fd00:10:244:1::2", "2001:db8:2::1"], directory: directory)
            let toPod = try Shell.run(["ip", "netns", "exec", p1, "ping", "-6", "-c", "3", "-W", "2", "fd00:10:244:2::2"], check: false)
            #expect(toPod.status == 0, "\(mode): pod to pod")
            let toOutside = try Shell.run(["ip", "netns", "exec", p1, "ping", "-6", "-c", "3", "-W", "2", "2001:db8:2::2"], check: false)
            #expect(toOutside.status == 0, "\(mode): pod to outside")
            let pod = try Self.packets(p2), outside = try Self.packets(out)
            #expect(pod["fd00:10:244:1::2"] == 3 && pod["2001:db8:1::1"] == 0, "\(mode): pod-to-pod keeps the pod's source: \(pod)")
            #expect(outside["2001:db8:2::1"] == 3 && outside["fd00:10:244:1::2"] == 0, "\(mode): pod-to-outside is masqueraded: \(outside)")
            for namespace in [p2, out] { try Shell.run(["ip", "netns", "exec", namespace, "nft", "delete", "table", "ip6", "observer"]) }
        }

        // Without flannel's rules the outside host cannot answer the pod: the test can tell.
        let bare = try Shell.run(["ip", "netns", "exec", p1, "ping", "-6", "-c", "1", "-W", "2", "2001:db8:2::2"], check: false)
        #expect(bare.status != 0, "the outside host must have no route to the pods")

        let (plan, generation) = try Self.plan(Self.iptablesMode(), in: n1)
        #expect(try Self.apply(plan, generation: generation, in: n1).failure == nil)
        try check("iptables mode")

        let (switchPlan, generation2) = try Self.plan(Self.nftMode(), in: n1)
        let text = switchPlan.changes.map(\.description)
        let create = try #require(text.firstIndex { $0.hasPrefix("+ nft table ip6 flannel-ipv6") }, "\(text)")
        let remove = try #require(text.firstIndex { $0.hasPrefix("- ip6tables -t nat: flannel's rules removed") }, "\(text)")
        #expect(create < remove, "make before break across the modes")
        #expect(try Self.apply(switchPlan, generation: generation2, in: n1).failure == nil)
        #expect(try Self.ip6tables(n1, "nat").isEmpty)
        let listed = try Shell.run(["ip", "netns", "exec", n1, "nft", "list", "table", "ip6", "flannel-ipv6"]).stdout
        #expect(listed == (Self.nftMode().tables[NftTable.flannel6Key]?.description ?? "") + "\n")
        #expect(try Self.plan(Self.nftMode(), in: n1).0.isEmpty)
        try check("nf_tables mode")
    }
}
