import Foundation
import NetState
import Observed
import StateJSON
import Testing

/// `observe` and `plan` against a real kernel: a node namespace holding flannel-like state built
/// with `ip` / `bridge` / `nft` (the golden script of seed 000), plus foreign objects the tool
/// must never touch.
@Suite(.enabled(if: KernelTestEnvironment.isRoot, "needs root for network namespaces"))
struct ObservePlanKernelTests {
    /// A throwaway node: `eth0` on 172.22.0.239/20 with a default route, `cni0` on
    /// 10.244.0.1/24, flannel's state for seed 000 under vxlan, and foreign objects.
    final class Node {
        let registry = NamespaceRegistry()
        let namespace = RunNames.nextPrefix() + "node"
        let inputs: [String]
        let directory = ToolBinary.goldenCases.appendingPathComponent("seed000-vxlan")

        init() throws {
            inputs = [
                "--net-conf", directory.appendingPathComponent("net-conf.json").path,
                "--leases", directory.appendingPathComponent("leases.json").path, "--node-ip", "172.22.0.239",
            ]
            try NodeNamespace.create(registry, name: namespace)
            for command in [
                "ip link add cni0 type bridge", "ip addr add 10.244.0.1/24 dev cni0", "ip link set cni0 up",
                // Foreign: another table, a blackhole inside the cluster CIDR, a permanent
                // neighbour on eth0, another nf_tables table with its own MASQUERADE.
                "ip route add 10.244.7.0/24 via 172.22.0.99 dev eth0 table 100",
                "ip route add blackhole 10.244.200.0/24",
                "ip neigh replace 172.22.0.50 lladdr 52:54:00:aa:bb:cc dev eth0 nud permanent",
                "nft add table ip nat",
                "nft add chain ip nat POSTROUTING { type nat hook postrouting priority srcnat ; }",
                "nft add rule ip nat POSTROUTING ip saddr 172.1.13.0/24 oifname != docker0 masquerade",
            ] {
                try run(command.split(separator: " ").map(String.init))
            }
            try run(["bash", directory.appendingPathComponent("script.sh").path])
        }

        deinit { registry.deleteAll() }

        @discardableResult
        func run(_ args: [String], check: Bool = true) throws -> CommandResult {
            try Shell.run(["ip", "netns", "exec", namespace] + args, check: check)
        }

        func tool(_ args: [String], check: Bool = true) throws -> CommandResult {
            try run([ToolBinary.path] + args, check: check)
        }

        /// Everything an operator would look at, as text: the byte-identity witness.
        func listings() throws -> String {
            try [
                ["ip", "-d", "link", "show"], ["ip", "addr", "show"], ["ip", "route", "show", "table", "all"],
                ["ip", "neigh", "show"], ["bridge", "fdb", "show"], ["nft", "list", "ruleset"],
            ].map { try run($0).stdout }.joined(separator: "\n----\n")
                // Bridge timers count down on their own and counters (iptables-nft puts one in
                // every rule) count packets: neither is state anyone changed.
                .replacingOccurrences(of: #"_timer\s+[0-9.]+"#, with: "_timer *", options: .regularExpression)
                .replacingOccurrences(of: #"counter packets [0-9]+ bytes [0-9]+"#, with: "counter", options: .regularExpression)
        }
    }

    private static func decodeSnapshot(_ text: String) throws -> Snapshot {
        try Array(text.utf8).withUnsafeBytes { try Snapshot.decode($0, path: "observe -o json", keyStyle: .snakeCase) }
    }

    private static func decodeDesired(_ text: String) throws -> DesiredDocument {
        try Array(text.utf8).withUnsafeBytes { raw in
            var reader = JSONTextReader(raw, keyStyle: .snakeCase)
            return try reader.read(DesiredDocument.format)
        }
    }

    static func difference(_ before: String, _ after: String) -> String {
        let old = before.split(separator: "\n"), new = after.split(separator: "\n")
        return (old.filter { !new.contains($0) }.map { "- \($0)" } + new.filter { !old.contains($0) }.map { "+ \($0)" })
            .joined(separator: "\n")
    }

    @Test func observeReportsExactlyWhatWasBuilt() throws {
        let node = try Node()
        let observed = try Self.decodeSnapshot(try node.tool(["observe"] + node.inputs + ["-o", "json"]).stdout)
        let desiredText = try Shell.run(
            [ToolBinary.path, "desired"] + node.inputs + ["--iface", "eth0", "--on-link", "172.22.0.0/20", "-o", "json"]
        ).stdout
        let desired = try Self.decodeDesired(desiredText).state
        // flannel's iptables-mode rules are compared as `iptables -S` prints them, below.
        var rtnetlink = observed.state
        rtnetlink.tables = [:]
        #expect(rtnetlink == desired)
        #expect(observed.facts.underlay == "eth0")
        #expect(observed.facts.mtu == 1500)
        #expect(observed.facts.addresses == [InterfaceAddress(address: IPv4Address(172, 22, 0, 239), length: 20)])
        let text = try node.tool(["observe"] + node.inputs).stdout
        #expect(text.contains("10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink"))
        #expect(!text.contains("blackhole"))
        #expect(!text.contains("table ip nat"))
        let desiredListing = try Shell.run(
            [ToolBinary.path, "desired"] + node.inputs + ["--iface", "eth0", "--on-link", "172.22.0.0/20"]
        ).stdout
        let iptables = desiredListing.split(separator: "\n").filter { $0.hasPrefix("-") || $0.hasPrefix("# iptables") }
        #expect(iptables.count == 14, "two headers, -N and 3 rules in filter, -N and 7 rules in nat")
        for line in iptables { #expect(text.contains(line), "observe lists \(line)") }
    }

    @Test func convergedNodePlansNothing() throws {
        let node = try Node()
        let result = try node.tool(["plan"] + node.inputs + ["--detailed-exitcode"], check: false)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("No changes."))
    }

    /// Drift, then: the plan changes nothing, a snapshot plan equals the live plan, and running
    /// the plan's script converges the node (a second plan is empty) without touching foreign
    /// objects.
    @Test func planIsReadOnlyMatchesSnapshotAndItsScriptConverges() throws {
        let node = try Node()
        try node.run(["ip", "route", "del", "10.244.3.0/24"])
        try node.run(["ip", "neigh", "replace", "10.244.2.0", "lladdr", "0e:00:00:00:00:99", "dev", "flannel.1", "nud", "permanent"])
        try node.run(["ip", "route", "add", "10.244.9.0/24", "via", "10.244.9.0", "dev", "flannel.1", "onlink"])
        try node.run(["bridge", "fdb", "append", "0e:4c:8b:10:09:01", "dev", "flannel.1", "dst", "172.22.0.9", "self", "permanent"])
        try node.run(["iptables-nft", "-t", "filter", "-F", "FLANNEL-FWD"])

        let before = try node.listings()
        let live = try node.tool(["plan"] + node.inputs + ["-o", "json"]).stdout
        let text = try node.tool(["plan"] + node.inputs).stdout
        let after = try node.listings()
        #expect(after == before, "plan must not change the kernel:\n\(Self.difference(before, after))")
        #expect(text.contains("+ route 10.244.3.0/24 via 10.244.3.0 dev flannel.1 onlink"))
        #expect(text.contains("~ neigh 10.244.2.0 lladdr 0e:00:00:00:00:99"))
        #expect(text.contains("- route 10.244.9.0/24"))
        #expect(text.contains("- fdb 0e:4c:8b:10:09:01"))
        #expect(text.contains("+ iptables -t filter: flannel's rules as flannel v0.20+ writes them (0 to delete, 2 to append"))

        let snapshot = FileManager.default.temporaryDirectory.appendingPathComponent("\(node.namespace).json").path
        defer { try? FileManager.default.removeItem(atPath: snapshot) }
        try node.tool(["observe"] + node.inputs + ["--snapshot-out", snapshot])
        let offline = try Shell.run([ToolBinary.path, "plan"] + node.inputs + ["--observed", snapshot, "-o", "json"]).stdout
        #expect(offline == live)

        let script = try node.tool(["plan"] + node.inputs + ["-o", "script"]).stdout
        let scriptFile = FileManager.default.temporaryDirectory.appendingPathComponent("\(node.namespace).sh").path
        defer { try? FileManager.default.removeItem(atPath: scriptFile) }
        try script.write(toFile: scriptFile, atomically: true, encoding: .utf8)
        try node.run(["bash", scriptFile])
        let again = try node.tool(["plan"] + node.inputs + ["--detailed-exitcode"], check: false)
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")

        let foreign = try node.listings()
        #expect(foreign.contains("blackhole 10.244.200.0/24"))
        #expect(foreign.contains("10.244.7.0/24 via 172.22.0.99 dev eth0 table 100"))
        #expect(foreign.contains("172.22.0.50 dev eth0 lladdr 52:54:00:aa:bb:cc PERMANENT"))
        #expect(foreign.contains("ip saddr 172.1.13.0/24 oifname != \"docker0\" masquerade"))
    }

    /// The host-gw switch planned on a live vxlan node: routes replaced in place, the vxlan
    /// entries deleted, the device kept (the leases themselves still say vxlan: peers still
    /// encapsulate to it), and the script of that plan converges.
    @Test func hostGatewaySwitchScriptConverges() throws {
        let node = try Node()
        let inputs = node.inputs + ["--backend", "host-gw"]
        let text = try node.tool(["plan"] + inputs).stdout
        #expect(text.contains("~ route 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink → 10.244.1.0/24 via 172.22.1.176 dev eth0"))
        #expect(text.contains("Plan: 0 to add, 5 to change, 10 to destroy."))
        #expect(!text.contains("- link flannel.1"))
        let script = try node.tool(["plan"] + inputs + ["-o", "script"]).stdout
        let scriptFile = FileManager.default.temporaryDirectory.appendingPathComponent("\(node.namespace)-hg.sh").path
        defer { try? FileManager.default.removeItem(atPath: scriptFile) }
        try script.write(toFile: scriptFile, atomically: true, encoding: .utf8)
        try node.run(["bash", scriptFile])
        let again = try node.tool(["plan"] + inputs + ["--detailed-exitcode"], check: false)
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        #expect(try node.run(["ip", "route", "show"]).stdout.contains("10.244.5.0/24 via 172.22.0.64 dev eth0"))
    }
}
