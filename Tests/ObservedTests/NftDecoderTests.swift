import TestSupport
import NetState
import Netlink
import Observed
import Testing

/// The decoder on bytes a real kernel sent.
@Suite struct NftDecoderTests {
    static let dockerSubnet = IPv4Prefix(address: IPv4Address(172, 1, 13, 0), length: 24)

    @Test func flannelTableDecodesToTheModel() throws {
        let tables = try NftDecoder.decode(try NftFixture.messages("nft-flannel.hex"))
        #expect(tables == [FlannelTableFixture.table()])
        // The same text nft printed for it, which is also the file nft loaded.
        #expect(tables.first?.description == (try NftFixture.text("nft-flannel.nft")).trimmingSuffixNewline)
    }

    /// nft's own batch for `nft -f nft-flannel.nft` (our encoder's output equals it, see
    /// ApplyTests): its NEW messages decode to the model too.
    @Test func nftsBatchDecodesToTheModel() throws {
        let messages = try NftFixture.messages("nft-flannel-batch.hex")
        #expect(messages.count == 13)
        #expect(try NftDecoder.decode(messages) == [FlannelTableFixture.table()])
    }

    @Test func nativeDockerStyleMasqueradeRule() throws {
        let tables = try NftDecoder.decode(try NftFixture.messages("nft-docker-nat.hex"))
        let expected = NftTable(key: .init(family: .ip, name: "nat"), chains: [
            NftChain(name: "POSTROUTING", hook: .init(type: "nat", hook: "postrouting", priority: 100), rules: [
                NftRule(
                    [.sourceAddress(Self.dockerSubnet, negated: false), .outputInterface("docker0", negated: true), .counter],
                    .masquerade(fullyRandom: false)
                ),
            ]),
        ])
        #expect(tables == [expected])
    }

    /// `iptables-nft -t nat -A POSTROUTING -s 172.1.13.0/24 ! -o docker0 -j MASQUERADE`
    /// (seed 002's rule): iptables-nft puts the interface first, compares only `docker0\0`
    /// (8 bytes), always adds a counter and uses the xt `MASQUERADE` target, not `masq`.
    @Test func iptablesNftMasqueradeRule() throws {
        let tables = try NftDecoder.decode(try NftFixture.messages("nft-iptables-masquerade.hex"))
        let rule = try #require(tables.first?.chains.first?.rules.first)
        #expect(tables.map(\.key) == [NftTable.Key(family: .ip, name: "nat")])
        #expect(tables.first?.chains.map(\.name) == ["POSTROUTING"])
        #expect(rule == NftRule(
            [.outputInterface("docker0", negated: true), .sourceAddress(Self.dockerSubnet, negated: false), .counter],
            .masquerade(fullyRandom: false)
        ))
        #expect(rule.description == "oifname != \"docker0\" ip saddr 172.1.13.0/24 counter masquerade")
    }

    /// Several families at once, `nft list ruleset` style: inet hides its `meta nfproto ipv4`
    /// dependency, regular chains have no hook, rule comments come from userdata.
    @Test func mixedFamiliesDecodeInKernelOrder() throws {
        let tables = try NftDecoder.decode(try NftFixture.messages("nft-mixed.hex"))
        #expect(tables.map(\.key) == [
            NftTable.flannelKey, NftTable.Key(family: .inet, name: "filter"), NftTable.Key(family: .ip6, name: "six"),
        ])
        #expect(tables.first == FlannelTableFixture.table())
        let listing = tables.dropFirst().map(\.description).joined(separator: "\n")
        #expect(listing == (try NftFixture.text("nft-mixed.nft")).trimmingSuffixNewline)
        #expect(tables.last?.chains.first?.hook?.priority == 5)
    }

    @Test func chainsAndRulesOfAMissingTableAreDropped() throws {
        let messages = try NftFixture.messages("nft-flannel.hex").filter { $0.type != NftDecoder.newTable }
        #expect(try NftDecoder.decode(messages) == [])
    }

    @Test func aTruncatedMessageIsADecodeError() throws {
        var message = try #require(try NftFixture.messages("nft-flannel.hex").last)
        message.payload = Array(message.payload.prefix(message.payload.count - 12)) + [0xff, 0xff, 0, 0]
        #expect(throws: NetlinkError.self) { try NftDecoder.decode([message]) }
    }
}

extension String {
    var trimmingSuffixNewline: String {
        hasSuffix("\n") ? String(dropLast()) : self
    }
}

extension NftDecoderTests {
    /// A rule cut inside its expression list must not decode as a shorter rule.
    @Test func aRuleCutInsideItsExpressionsIsADecodeError() throws {
        let original = try #require(try NftFixture.messages("nft-flannel.hex").last)
        var message = original
        // Shrink the last expression's innermost attribute so it claims more than is left.
        let bytes = message.payload
        let tail = bytes.count - 8
        message.payload = Array(bytes[..<tail]) + [0x40, 0x00] + Array(bytes[(tail + 2)...])
        #expect(throws: NetlinkError.self) { try NftDecoder.rule(message) }
        #expect(try NftDecoder.rule(original).rule.verdict == .accept)
    }
}
