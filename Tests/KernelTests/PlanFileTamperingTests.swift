import Foundation
import Testing

/// `apply --plan FILE` verifies the file, never trusts it: a plan file edited in any way (a
/// route retargeted, a forged delete of the default route, an FDB entry pointed at multicast, a
/// widened nf_tables rule, a renamed device, a truncated file, other ownership rules) is refused
/// with exit 1 and the kernel stays byte-identical; the untampered file applies; a plan made
/// before the kernel changed is refused as stale.
@Suite(.enabled(if: KernelTestEnvironment.isRoot, "needs root for network namespaces"))
struct PlanFileTamperingTests {
    /// A throwaway node with nothing flannel-like yet: seed 000's node 172.22.0.239 (eth0 on
    /// 172.22.0.239/20, default route, cni0), so its plan holds every kind of change.
    final class Node {
        let registry = NamespaceRegistry()
        let namespace = RunNames.nextPrefix() + "tamper"
        let directory: URL
        let inputs: [String]

        init() throws {
            let seed = ToolBinary.goldenCases.appendingPathComponent("seed000-vxlan")
            inputs = [
                "--net-conf", seed.appendingPathComponent("net-conf.json").path,
                "--leases", seed.appendingPathComponent("leases.json").path, "--node-ip", "172.22.0.239",
            ]
            directory = FileManager.default.temporaryDirectory.appendingPathComponent(namespace + "-plans")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            do {
                try NodeNamespace.create(registry, name: namespace)
                for command in ["ip link add cni0 type bridge", "ip addr add 10.244.0.1/24 dev cni0", "ip link set cni0 up"] {
                    try run(command.split(separator: " ").map(String.init))
                }
            } catch {
                shutdown()
                throw error
            }
        }

        func shutdown() {
            registry.deleteAll()
            try? FileManager.default.removeItem(at: directory)
        }

        deinit { shutdown() }

        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

        @discardableResult
        func run(_ args: [String], check: Bool = true) throws -> CommandResult {
            try Shell.run(["ip", "netns", "exec", namespace] + args, check: check)
        }

        func tool(_ command: String, _ extra: [String] = []) throws -> CommandResult {
            try run([ToolBinary.path, command] + inputs + extra, check: false)
        }

        /// Waits (up to 5 s) until no IPv6 address is tentative: duplicate address detection
        /// ending adds local routes and flips flags on its own, which no one changed.
        func settle() throws {
            for _ in 0..<50 {
                if try run(["ip", "-6", "addr", "show", "tentative"]).stdout.isEmpty { return }
                Thread.sleep(forTimeInterval: 0.1)
            }
        }

        /// The byte-identity witness: what an operator would look at.
        func listings() throws -> String {
            try settle()
            return try [
                ["ip", "-d", "link", "show"], ["ip", "route", "show", "table", "all"], ["ip", "neigh", "show"],
                ["bridge", "fdb", "show"], ["nft", "list", "ruleset"],
            ].map { try run($0).stdout }.joined(separator: "\n----\n")
                // Bridge timers count down on their own and counters (iptables-nft puts one in
                // every rule) count packets: neither is state anyone changed.
                .replacingOccurrences(of: #"_timer\s+[0-9.]+"#, with: "_timer *", options: .regularExpression)
                .replacingOccurrences(of: #"counter packets [0-9]+ bytes [0-9]+"#, with: "counter", options: .regularExpression)
        }
    }

    typealias JSON = [String: Any]

    /// One way of editing the plan file; `nil` from `edit` means "write these bytes instead".
    struct Tampering: Sendable {
        let name: String
        /// What the refusal must say, any of these (lowercased).
        let says: [String]
        let edit: @Sendable (inout JSON) throws -> Void
        var truncate = false
    }

    static let differs = ["does not match", "differ", "edited"]

    /// The first change of `kind` (with a non-null `after`), by index.
    static func index(of kind: String, in document: JSON) throws -> Int {
        let changes = try #require(document["changes"] as? [JSON])
        return try #require(changes.firstIndex { $0["kind"] as? String == kind && $0["after"] is JSON }, "no \(kind) change")
    }

    /// Calls `body` on change `index`'s `after` object.
    static func editAfter(_ document: inout JSON, change index: Int, _ body: (inout JSON) throws -> Void) throws {
        var changes = try #require(document["changes"] as? [JSON])
        var after = try #require(changes[index]["after"] as? JSON)
        try body(&after)
        changes[index]["after"] = after
        document["changes"] = changes
    }

    /// A route delete matching the node's real default route (`ip route add` makes it `proto
    /// boot`, like flannel's), built from one of the plan's own routes.
    static func deleteOfTheDefaultRoute(_ document: JSON) throws -> JSON {
        let changes = try #require(document["changes"] as? [JSON])
        var route = try #require(changes[try index(of: "route", in: document)]["after"] as? JSON)
        var key = try #require(route["key"] as? JSON)
        key["destination"] = "0.0.0.0/0"
        route["key"] = key
        route["gateway"] = "172.22.0.1"
        route["device"] = "eth0"
        route["on_link"] = false
        return ["action": "delete", "kind": "route", "text": "- route default via 172.22.0.1 dev eth0", "before": route, "after": NSNull()]
    }

    static let tamperings: [Tampering] = [
        Tampering(name: "route retargeted to 8.8.8.0/24", says: differs) { document in
            try editAfter(&document, change: try index(of: "route", in: document)) { route in
                var key = try #require(route["key"] as? JSON)
                key["destination"] = "8.8.8.0/24"
                route["key"] = key
            }
        },
        Tampering(name: "a delete of the default route added", says: differs) { document in
            var changes = try #require(document["changes"] as? [JSON])
            changes.append(try deleteOfTheDefaultRoute(document))
            document["changes"] = changes
        },
        Tampering(name: "a route change swapped for a delete of the default route", says: differs) { document in
            var changes = try #require(document["changes"] as? [JSON])
            changes[try index(of: "route", in: document)] = try deleteOfTheDefaultRoute(document)
            document["changes"] = changes
        },
        Tampering(name: "FDB dst pointed at 224.0.0.1", says: differs) { document in
            try editAfter(&document, change: try index(of: "fdb", in: document)) { $0["destination"] = "224.0.0.1" }
        },
        Tampering(name: "iptables rules widened to 0.0.0.0/0", says: differs) { document in
            try editAfter(&document, change: try index(of: "iptables", in: document)) { table in
                let text = String(decoding: try JSONSerialization.data(withJSONObject: table), as: UTF8.self)
                // Foundation escapes `/` as `\/`.
                let widened = text.replacingOccurrences(of: #"10.244.0.0\/16"#, with: "0.0.0.0/0")
                try #require(widened != text, "the rules mention the cluster CIDR")
                table = try #require(try JSONSerialization.jsonObject(with: Data(widened.utf8)) as? JSON)
            }
        },
        Tampering(name: "link change renamed to eth0", says: differs) { document in
            try editAfter(&document, change: try index(of: "link", in: document)) { $0["name"] = "eth0" }
        },
        Tampering(name: "file truncated", says: ["not a netplan-flannel plan", "cannot read", "unreadable"], edit: { _ in },
                  truncate: true),
        Tampering(name: "ownership changed", says: differs) { document in
            var ownership = try #require(document["ownership"] as? JSON)
            var ipv4 = try #require(ownership["ipv4"] as? JSON)
            ipv4["cluster"] = "0.0.0.0/0"
            ownership["ipv4"] = ipv4
            document["ownership"] = ownership
        },
    ]

    @Test func tamperedPlanFilesAreRefusedAndChangeNothingTheUntamperedOneApplies() throws {
        let started = Date()
        let node = try Node()
        defer { node.shutdown() }
        let planPath = node.path("plan.json")
        let made = try node.tool("plan", ["--out", planPath])
        #expect(made.status == 0, "\(made.stdout)\(made.stderr)")
        let original = try Data(contentsOf: URL(fileURLWithPath: planPath))
        let document = try #require(try JSONSerialization.jsonObject(with: original) as? JSON)
        let kinds = Set(try #require(document["changes"] as? [JSON]).compactMap { $0["kind"] as? String })
        try #require(kinds.isSuperset(of: ["link", "addr", "fdb", "neigh", "route", "iptables"]), "plan kinds: \(kinds)")

        let before = try node.listings()
        for tampering in Self.tamperings {
            let path = node.path("tampered.json")
            if tampering.truncate {
                try original.prefix(original.count / 2).write(to: URL(fileURLWithPath: path))
            } else {
                var edited = document
                try tampering.edit(&edited)
                try JSONSerialization.data(withJSONObject: edited, options: [.sortedKeys]).write(to: URL(fileURLWithPath: path))
            }
            let refused = try node.tool("apply", ["--plan", path])
            let said = refused.stdout + refused.stderr
            print("tampered (\(tampering.name)): exit \(refused.status): \(said.trimmingCharacters(in: .whitespacesAndNewlines))")
            #expect(refused.status == 1, "\(tampering.name): \(said)")
            #expect(said.contains(path), "\(tampering.name): the message names the file: \(said)")
            #expect(tampering.says.contains { said.lowercased().contains($0) }, "\(tampering.name): says none of \(tampering.says): \(said)")
            #expect(!said.contains("stale"), "\(tampering.name): the kernel did not change, the file did: \(said)")
            let after = try node.listings()
            #expect(after == before, "\(tampering.name) changed the kernel:\n\(ClusterScenario.difference(before, after))")
        }

        // The file as it was made still applies, and leaves nothing to do. It goes through the
        // same JSON round trip as the tampered ones, so a refusal above cannot come from the
        // round trip itself.
        let roundTripped = node.path("round-tripped.json")
        try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys]).write(to: URL(fileURLWithPath: roundTripped))
        let applied = try node.tool("apply", ["--plan", roundTripped])
        #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
        let empty = try node.tool("plan", ["--detailed-exitcode"])
        #expect(empty.status == 0, "\(empty.stdout)\(empty.stderr)")

        // A plan made, then the kernel changes under it: refused as stale, nothing changed.
        let stalePath = node.path("stale.json")
        let remade = try node.tool("plan", ["--out", stalePath])
        #expect(remade.status == 0, "\(remade.stdout)\(remade.stderr)")
        try node.run(["ip", "route", "del", "10.244.3.0/24"])
        let beforeStale = try node.listings()
        let stale = try node.tool("apply", ["--plan", stalePath])
        let said = stale.stdout + stale.stderr
        print("stale plan: exit \(stale.status): \(said.trimmingCharacters(in: .whitespacesAndNewlines))")
        #expect(stale.status == 1, "\(said)")
        #expect(said.contains("stale") && said.contains("kernel changed"), "\(said)")
        let afterStale = try node.listings()
        #expect(afterStale == beforeStale, "the stale plan changed the kernel:\n\(ClusterScenario.difference(beforeStale, afterStale))")
        print("plan file tampering: \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    }
}
