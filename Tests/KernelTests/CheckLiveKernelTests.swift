import Foundation
import Testing

/// `check` on a live node warns about what can lose traffic without stopping a plan: strict
/// rp_filter, ip_forward off, and seed 002's MASQUERADE rule in another table.
@Suite(.enabled(if: KernelTestEnvironment.isRoot, "needs root for network namespaces"))
struct CheckLiveKernelTests {
    static let directory = ToolBinary.goldenCases.appendingPathComponent("seed002-host-gw-ens3")
    static let inputs = [
        "--net-conf", directory.appendingPathComponent("net-conf.json").path,
        "--leases", directory.appendingPathComponent("leases.json").path, "--node-ip", "172.20.0.13",
    ]

    private func node() throws -> (NamespaceRegistry, (String) throws -> CommandResult) {
        let registry = NamespaceRegistry()
        let namespace = RunNames.nextPrefix() + "node"
        try NodeNamespace.create(registry, name: namespace, device: "ens3", address: "172.20.0.13/24", gateway: "172.20.0.1")
        let run: (String) throws -> CommandResult = { command in
            try Shell.run(["ip", "netns", "exec", namespace, "bash", "-c", command], check: false)
        }
        return (registry, run)
    }

    private func check(_ run: (String) throws -> CommandResult) throws -> CommandResult {
        try run(([ToolBinary.path, "check"] + Self.inputs).joined(separator: " "))
    }

    @Test func warnsAboutStrictRPFilterForwardingAndForeignMasquerade() throws {
        let (registry, run) = try node()
        defer { registry.deleteAll() }
        _ = try run("sysctl -qw net.ipv4.conf.all.rp_filter=1 net.ipv4.ip_forward=0")
        _ = try run("nft add table ip nat")
        _ = try run("nft 'add chain ip nat POSTROUTING { type nat hook postrouting priority srcnat ; }'")
        _ = try run("nft add rule ip nat POSTROUTING ip saddr 172.1.13.0/24 oifname != docker0 masquerade")
        let result = try check(run)
        #expect(result.status == 0, "warnings do not fail check: \(result.stderr)")
        #expect(result.stdout.contains("warning: net.ipv4.conf.all.rp_filter is 1 (strict)"))
        #expect(result.stdout.contains("warning: net.ipv4.ip_forward is 0"))
        #expect(result.stdout.contains(
            "warning: table ip nat chain POSTROUTING: \"ip saddr 172.1.13.0/24 oifname != \"docker0\" masquerade\" masquerades pod-to-pod traffic inside 172.1.0.0/16"
        ))
    }

    @Test func seed002FixSilencesTheWarnings() throws {
        let (registry, run) = try node()
        defer { registry.deleteAll() }
        _ = try run("sysctl -qw net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.ens3.rp_filter=0 net.ipv4.ip_forward=1")
        _ = try run("nft add table ip nat")
        _ = try run("nft 'add chain ip nat POSTROUTING { type nat hook postrouting priority srcnat ; }'")
        _ = try run("nft add rule ip nat POSTROUTING ip saddr 172.1.13.0/24 ip daddr != 172.1.0.0/16 oifname != docker0 masquerade")
        let result = try check(run)
        #expect(result.status == 0)
        #expect(!result.stdout.contains("warning:"), "\(result.stdout)")
    }

    /// The rule exactly as seed 002 shows it, stored by iptables-nft (an xt MASQUERADE target).
    @Test(.enabled(if: Shell.resolve("iptables-nft") != nil, "needs iptables-nft"))
    func iptablesNftRuleOfSeed002IsFound() throws {
        let (registry, run) = try node()
        defer { registry.deleteAll() }
        _ = try run("sysctl -qw net.ipv4.ip_forward=1")
        let added = try run("iptables-nft -t nat -A POSTROUTING -s 172.1.13.0/24 ! -o docker0 -j MASQUERADE")
        #expect(added.succeeded, "\(added.stderr)")
        let result = try check(run)
        #expect(result.stdout.contains("table ip nat chain POSTROUTING"), "\(result.stdout)")
        #expect(result.stdout.contains("masquerades pod-to-pod traffic inside 172.1.0.0/16"), "\(result.stdout)")
    }
}
