import Foundation
import Testing

/// The golden `script.sh` files are real: run in a throwaway namespace that looks like the node
/// (an `eth0` on the node's underlay address), the kernel accepts every command, and what it then
/// lists with `ip route`, `ip neigh`, `bridge fdb` and `nft list table` is exactly the golden
/// desired state.
@Suite(.enabled(if: KernelTestEnvironment.isRoot, "needs root for network namespaces"))
struct GoldenScriptKernelTests {
    static let cases: [(name: String, address: String, device: String)] = [
        ("seed000-vxlan", "172.22.0.239/20", "eth0"),
        ("seed000-host-gw", "172.22.0.239/20", "eth0"),
        ("seed002-host-gw-ens3", "172.20.0.13/24", "ens3"),
        ("direct-routing-off-link", "192.168.1.11/24", "eth0"),
        ("half-switched", "172.22.0.239/20", "eth0"),
    ]

    @Test(arguments: cases.map(\.name))
    func kernelAcceptsTheGoldenScript(_ name: String) throws {
        let (_, address, device) = try #require(Self.cases.first { $0.name == name })
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Golden/Cases/\(name)")
        let registry = NamespaceRegistry()
        defer { registry.deleteAll() }
        let namespace = RunNames.nextPrefix() + "node"
        try NodeNamespace.create(registry, name: namespace, device: device, address: address, gateway: nil)
        func inside(_ args: [String]) throws -> String {
            try Shell.run(["ip", "netns", "exec", namespace] + args).stdout
        }

        _ = try inside(["bash", directory.appendingPathComponent("script.sh").path])

        let desired = try String(contentsOf: directory.appendingPathComponent("desired.txt"), encoding: .utf8)
        // iproute2 ends some lines with a space; the words are what count.
        let routes = try inside(["ip", "route", "show"]).split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.contains("via") }
        #expect(routes == section("route", of: desired))
        let neighbors = try inside(["ip", "neigh", "show", "nud", "permanent"]).split(separator: "\n")
            .map { line -> String in
                // `10.244.1.0 dev flannel.1 lladdr M PERMANENT` -> the desired wording.
                let words = line.split(separator: " ")
                return "\(words[0]) lladdr \(words[4]) dev \(words[2]) nud permanent"
            }
        #expect(neighbors.sorted() == section("neigh", of: desired).sorted())
        let fdb = try inside(["bridge", "fdb", "show", "nud", "permanent"]).split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.contains(" dst ") }
        #expect(fdb.sorted() == section("fdb", of: desired).sorted())
        // flannel's iptables-mode rules, as `iptables-nft -S` prints them after the script's
        // `iptables-nft-restore`: exactly the desired listing (the `-P` policy lines aside).
        for table in ["filter", "nat"] {
            let listed = try inside(["iptables-nft", "-t", table, "-S"]).split(separator: "\n").map(String.init)
                .filter { !$0.hasPrefix("-P ") }
            #expect(listed == section("iptables -t \(table)", of: desired), "iptables -t \(table) -S")
        }
    }

    private func section(_ title: String, of text: String) -> [String] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let start = lines.firstIndex(of: "# \(title)") else { return [] }
        let rest = lines[(start + 1)...]
        // The nft section holds blank lines between chains; it ends at the closing brace.
        if title == "nft" {
            guard let end = rest.firstIndex(of: "}") else { return Array(rest) }
            return Array(rest[...end])
        }
        return Array(rest.prefix { !$0.isEmpty })
    }
}
