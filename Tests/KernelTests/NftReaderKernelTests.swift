import TestSupport
import Glibc
import NetState
import Netlink
import Observed
import Testing

/// The reader against a real kernel: tables loaded by nft (and iptables-nft) decode into the
/// model, so observed and desired compare with `==`.
@Suite(.enabled(if: NftTestNamespace.isRoot, "needs root for network namespaces and nf_tables"))
struct NftReaderKernelTests {
    @Test func flannelTableLoadedByNftReadsBackAsTheModel() throws {
        let model = FlannelTableFixture.table()
        try NftTestNamespace.with { namespace in
            let loaded = try namespace.exec(["nft", "-f", "-"], input: model.description + "\n")
            #expect(loaded.status == 0, "\(loaded.error)")
            let (ip, all, one, missing) = try NetworkNamespace.run(in: namespace.name) {
                (
                    try NftReader.readTables(family: .ip), try NftReader.readTables(family: nil),
                    try NftReader.readTable(NftTable.flannelKey), try NftReader.readTable(.init(family: .ip, name: "absent"))
                )
            }
            #expect(ip == [model])
            #expect(all == [model])
            #expect(one == model)
            #expect(missing == nil)
        }
    }

    @Test func familyFilterAndForeignTables() throws {
        try NftTestNamespace.with { namespace in
            for file in ["nft-flannel.nft", "nft-mixed.nft"] {
                let loaded = try namespace.exec(["nft", "-f", "-"], input: try NftFixture.text(file))
                #expect(loaded.status == 0, "\(loaded.error)")
            }
            let (ip, all) = try NetworkNamespace.run(in: namespace.name) {
                (try NftReader.readTables(family: .ip), try NftReader.readTables(family: nil))
            }
            #expect(ip == [FlannelTableFixture.table()])
            #expect(all.map(\.key) == [
                NftTable.flannelKey, NftTable.Key(family: .inet, name: "filter"), NftTable.Key(family: .ip6, name: "six"),
            ])
            let listing = try namespace.exec(["nft", "list", "ruleset"]).output
            #expect(all.map { $0.description + "\n" }.joined() == listing)
        }
    }

    /// A docker-style masquerade rule written natively decodes to its saddr, its negated
    /// `oifname` and a masquerade verdict.
    @Test func nativeForeignMasqueradeRule() throws {
        try NftTestNamespace.with { namespace in
            let loaded = try namespace.exec(["nft", "-f", "-"], input: try NftFixture.text("nft-docker-nat.nft"))
            #expect(loaded.status == 0, "\(loaded.error)")
            let tables = try NetworkNamespace.run(in: namespace.name) { try NftReader.readTables(family: .ip) }
            let rule = try #require(tables.first?.chains.first?.rules.first)
            #expect(rule.matches.contains(.sourceAddress(IPv4Prefix(address: IPv4Address(172, 1, 13, 0), length: 24), negated: false)))
            #expect(rule.matches.contains(.outputInterface("docker0", negated: true)))
            #expect(rule.verdict == .masquerade(fullyRandom: false))
            print("native docker-style rule decodes to: \(rule)")
        }
    }

    /// Seed 002's rule as iptables-nft installs it: xt `MASQUERADE` target, 8-byte interface
    /// compare, interface before address, and a counter.
    @Test(.enabled(if: NftTestNamespace.hasIptablesNft, "iptables-nft not installed"))
    func iptablesNftMasqueradeRule() throws {
        try NftTestNamespace.with { namespace in
            let added = try namespace.exec([
                "iptables-nft", "-t", "nat", "-A", "POSTROUTING", "-s", "172.1.13.0/24", "!", "-o", "docker0", "-j", "MASQUERADE",
            ])
            #expect(added.status == 0, "\(added.error)")
            let randomFully = try namespace.exec([
                "iptables-nft", "-t", "nat", "-A", "POSTROUTING", "-s", "10.244.0.0/16", "!", "-d", "224.0.0.0/4",
                "-j", "MASQUERADE", "--random-fully",
            ])
            #expect(randomFully.status == 0, "\(randomFully.error)")
            let tables = try NetworkNamespace.run(in: namespace.name) { try NftReader.readTables(family: .ip) }
            let nat = try #require(tables.first { $0.key == NftTable.Key(family: .ip, name: "nat") })
            let rules = try #require(nat.chains.first { $0.name == "POSTROUTING" }?.rules)
            #expect(rules == [
                NftRule(
                    [.outputInterface("docker0", negated: true),
                     .sourceAddress(IPv4Prefix(address: IPv4Address(172, 1, 13, 0), length: 24), negated: false),
                     .counter],
                    .masquerade(fullyRandom: false)
                ),
                NftRule(
                    [.sourceAddress(IPv4Prefix(address: IPv4Address(10, 244, 0, 0), length: 16), negated: false),
                     .destinationAddress(.multicast, negated: true),
                     .counter],
                    .masquerade(fullyRandom: true)
                ),
            ])
            print("iptables-nft table decodes to:\n\(nat)")
        }
    }
}

extension NftTestNamespace {
    static var hasIptablesNft: Bool {
        let paths: [String] = ["/usr/sbin/iptables-nft", "/sbin/iptables-nft", "/usr/bin/iptables-nft"]
        return paths.contains { path in access(path, X_OK) == 0 }
    }
}
