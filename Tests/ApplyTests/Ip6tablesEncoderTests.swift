import Apply
import CNftnl
import Desired
import NetState
import Netlink
import Planner
import Testing

/// The IPv6 encoders against the tools themselves, byte for byte:
/// - `ip6t-flannel-current-batch-{nat,filter}.hex`: the batches ip6tables-nft 1.8.9 sent for one
///   `ip6tables-nft-restore --noflush` per table of flannel's current IPv6 layout (C =
///   fd00:10:244::/56, L = fd00:10:244:1::/64): payloads at IPv6 offsets (saddr + 8, daddr +
///   24), `ff00::/8` as one byte, MASQUERADE as ip6tables' `struct nf_nat_range`;
/// - `ip6t-odd-batch.hex`: a `/44` and a `/60` (16 bytes loaded and masked), MASQUERADE without
///   `--random-fully`, a `/128` host;
/// - `nft-flannel6-batch.hex`: nft 1.0.6's batch for `nft -f nft-flannel6.nft`.
@Suite struct Ip6tablesEncoderTests {
    static let cluster = IPv6Prefix("fd00:10:244::/56")!
    static let lease = IPv6Prefix("fd00:10:244:1::/64")!

    @Test(arguments: ["nat", "filter"])
    func rulesMatchIp6tablesNftByteForByte(_ table: String) throws {
        let set = table == "nat"
            ? FlannelIptablesRules.masquerade(cluster: Self.cluster, lease: Self.lease, fullyRandom: true)
            : FlannelIptablesRules.forward(cluster: Self.cluster)
        #expect(set.table == (table == "nat" ? IptablesNames.nat6 : IptablesNames.filter6))
        try Self.expectSameRules(set.layout.rules, table: set.table, fixture: "ip6t-flannel-current-batch-\(table).hex")
    }

    @Test func oddPrefixesAndPlainMasqueradeMatchIp6tablesNft() throws {
        let comment = NftMatch.comment(IptablesNames.masqueradeComment)
        let rules = [
            IptablesRule(chain: "POSTROUTING", rule: NftRule([
                .sourceAddress6(IPv6Prefix("fd00:10:240::/44")!, negated: false),
                .destinationAddress6(IPv6Prefix("fd00:10:244:10::/60")!, negated: true), comment, .counter,
            ], .masquerade(fullyRandom: false))),
            IptablesRule(chain: "POSTROUTING", rule: NftRule([.sourceAddress6(IPv6Prefix("fd00::1/128")!, negated: false), .counter], .return)),
        ]
        try Self.expectSameRules(rules, table: IptablesNames.nat6, fixture: "ip6t-odd-batch.hex")
    }

    static func expectSameRules(_ rules: [IptablesRule], table: NftTable.Key, fixture: String) throws {
        let ours = try NetlinkMessage.parse(try IptablesEncoder.transaction(IptablesChange(table: table, appends: rules)).bytes)
            .filter { $0.type == IptablesEncoderTests.newRule }
        let theirs = try NetlinkMessage.parse(try NftEncoderTests.hexFixture(fixture)).filter { $0.type == IptablesEncoderTests.newRule }
        try #require(ours.count == rules.count)
        try #require(theirs.count == ours.count)
        for (index, (mine, ip6tables)) in zip(ours, theirs).enumerated() {
            #expect(mine.payload == ip6tables.payload, "rule \(index + 1): \(rules[index].rule.iptablesWords(chain: rules[index].chain))")
            #expect(mine.flags == ip6tables.flags | UInt16(NLM_F_ACK))
        }
    }

    /// The IPv6 nf_tables table: after our ensure-and-delete prefix every message equals nft's,
    /// except the sequence number and the flags we add, as for the IPv4 table.
    @Test func flannelsIPv6TableMatchesNftByteForByte() throws {
        let table = try #require(MasqueradeTable.table(cluster: Self.cluster, lease: Self.lease, ipMasq: true, fullyRandom: true))
        let ours = try NetlinkMessage.parse(try NftEncoder.replace(table).bytes)
        let nfts = try NetlinkMessage.parse(try NftEncoderTests.hexFixture("nft-flannel6-batch.hex"))
        try #require(nfts.count == 13)
        let oursCompared = Array(ours[3...])
        let nftCompared = Array(nfts[1...])
        try #require(oursCompared.count == nftCompared.count)
        for (mine, theirs) in zip(oursCompared, nftCompared) {
            #expect(mine.type == theirs.type)
            #expect(mine.payload == theirs.payload, "message type \(mine.type)")
            let expectedFlags = mine.type == NftEncoderTests.newTable ? theirs.flags | NftEncoderTests.ack | NftEncoderTests.create
                : mine.type == NftEncoderTests.batchEnd ? theirs.flags : theirs.flags | NftEncoderTests.ack
            #expect(mine.flags == expectedFlags)
        }
    }
}
