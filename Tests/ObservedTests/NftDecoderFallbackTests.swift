import NetState
import Netlink
import Observed
import Testing
import TestSupport

/// Rules outside the model's vocabulary (`Fixtures/nft-odd.nft`, captured from the kernel):
/// what the model knows is decoded, the rest stays visible as `.other` text, never silently
/// dropped and never mistaken for a match it is not.
@Suite struct NftDecoderFallbackTests {
    static func rules() throws -> [NftRule] {
        let tables = try NftDecoder.decode(try NftFixture.messages("nft-odd.hex"))
        try #require(tables.map(\.key) == [NftTable.Key(family: .ip, name: "odd")])
        try #require(tables[0].chains.map(\.name) == ["c", "d"])
        return tables[0].chains[0].rules
    }

    @Test func knownWordsDecodeAndUnknownOnesStayAsText() throws {
        let rules = try Self.rules()
        try #require(rules.count == 8)
        // ct state: no model word; both expressions kept, verdict still read.
        #expect(rules[0].verdict == .accept)
        #expect(rules[0].matches.count >= 2)
        #expect(rules[0].matches.allSatisfy { if case .other = $0 { true } else { false } })
        // A negated mark is not `.mark` (the model's mark is an equality).
        #expect(rules[1].verdict == .drop)
        #expect(!rules[1].matches.contains { if case .mark = $0 { true } else { false } })
        // A non-contiguous mask is not a prefix.
        #expect(!rules[2].matches.contains { if case .sourceAddress = $0 { true } else { false } })
        // Wildcard and exact interface names, with negation.
        #expect(rules[3] == NftRule([.outputInterface("eth*", negated: false), .inputInterface("veth0", negated: true)], .accept))
        // The counter keeps no numbers.
        #expect(rules[4].matches.contains(.counter))
        #expect(rules[4].verdict == .accept)
        // masquerade with other flags is not `masquerade` / `masquerade fully-random`.
        #expect(rules[5].matches == [.destinationAddress(IPv4Prefix(address: IPv4Address(10, 0, 0, 0), length: 8), negated: false)])
        #expect(rules[5].verdict != .masquerade(fullyRandom: false) && rules[5].verdict != .masquerade(fullyRandom: true))
        // A /32 and a goto.
        #expect(rules[6] == NftRule([.sourceAddress(IPv4Prefix(address: IPv4Address(10, 1, 2, 3), length: 32), negated: false)], .goto("d")))
        #expect(rules[6].description == "ip saddr 10.1.2.3 goto d")
        // No verdict, a comment.
        #expect(rules[7] == NftRule([.mark(mask: .max, value: 0x10)], .continue, comment: "only marked"))
        #expect(rules[7].description == "meta mark 0x00000010 comment \"only marked\"")
        for rule in rules { print(rule) }
    }
}
