import Apply
import CNftnl
import Desired
import NetState
import Netlink
import Planner
import Testing

/// The iptables-mode encoder against iptables-nft itself:
/// `Fixtures/ipt-flannel-current-batch-{nat,filter}.hex` are the batches iptables-nft 1.8.9 sent
/// (strace) for one `iptables-nft-restore --noflush` per table of flannel's current layout
/// (C = 10.244.0.0/16, L = 10.244.1.0/24) on an empty namespace. Every rule message must be the
/// same bytes: then `iptables -S` prints our rules as flannel's and flanneld's `iptables -C`
/// finds them.
@Suite struct IptablesEncoderTests {
    static let cluster = IPv4Prefix(address: IPv4Address(10, 244, 0, 0), length: 16)
    static let lease = IPv4Prefix(address: IPv4Address(10, 244, 1, 0), length: 24)
    static let newRule = UInt16(NFNL_SUBSYS_NFTABLES) << 8 | UInt16(NFT_MSG_NEWRULE.rawValue)
    static let delRule = UInt16(NFNL_SUBSYS_NFTABLES) << 8 | UInt16(NFT_MSG_DELRULE.rawValue)
    static let newChain = UInt16(NFNL_SUBSYS_NFTABLES) << 8 | UInt16(NFT_MSG_NEWCHAIN.rawValue)
    static let delChain = UInt16(NFNL_SUBSYS_NFTABLES) << 8 | UInt16(NFT_MSG_DELCHAIN.rawValue)

    static func rules(_ batch: NftBatch) throws -> [NetlinkMessage] {
        try NetlinkMessage.parse(batch.bytes).filter { $0.type == newRule }
    }

    @Test(arguments: ["nat", "filter"])
    func rulesMatchIptablesNftByteForByte(_ table: String) throws {
        let set = table == "nat"
            ? FlannelIptablesRules.masquerade(cluster: Self.cluster, lease: Self.lease, fullyRandom: true)
            : FlannelIptablesRules.forward(cluster: Self.cluster)
        let ours = try Self.rules(try IptablesEncoder.transaction(IptablesChange(table: set.table, appends: set.layout.rules)))
        let theirs = try NetlinkMessage.parse(try NftEncoderTests.hexFixture("ipt-flannel-current-batch-\(table).hex"))
            .filter { $0.type == Self.newRule }
        try #require(ours.count == set.layout.rules.count)
        try #require(theirs.count == ours.count)
        for (index, (mine, iptables)) in zip(ours, theirs).enumerated() {
            #expect(mine.payload == iptables.payload, "rule \(index + 1): \(set.layout.rules[index].rule.iptablesWords(chain: set.layout.rules[index].chain))")
            #expect(mine.flags == iptables.flags | UInt16(NLM_F_ACK), "append (CREATE|APPEND), and an ACK to name a failing rule")
        }
    }

    /// One transaction, in order: chains created, rules deleted by handle, rules appended,
    /// chains deleted. A base chain is declared only when the change says it is missing.
    @Test func transactionOrderAndDeletesByHandle() throws {
        var stale = NftRule([.comment(IptablesNames.masqueradeComment), .counter], .jump("FLANNEL-OLD"))
        stale.handle = 42
        let set = FlannelIptablesRules.masquerade(cluster: Self.cluster, lease: Self.lease, fullyRandom: true)
        let change = IptablesChange(
            table: IptablesNames.nat, newChains: [NftChain(name: IptablesNames.masqueradeChain, hook: nil, rules: [])],
            deletes: [IptablesRule(chain: "POSTROUTING", rule: stale)], appends: set.layout.rules,
            deletedChains: [IptablesNames.forwardChain]
        )
        let messages = try NetlinkMessage.parse(try IptablesEncoder.transaction(change).bytes)
        let types = messages.map(\.type)
        #expect(types.first == UInt16(NFNL_MSG_BATCH_BEGIN) && types.last == UInt16(NFNL_MSG_BATCH_END))
        let inner = Array(types.dropFirst().dropLast())
        #expect(inner == [Self.newChain, Self.delRule] + Array(repeating: Self.newRule, count: 7) + [Self.delChain])
        #expect(!messages.contains { $0.type == UInt16(NFNL_SUBSYS_NFTABLES) << 8 | UInt16(NFT_MSG_NEWTABLE.rawValue) })
        // The delete names the handle: NFTA_RULE_HANDLE, big-endian 42.
        let delete = try #require(messages.first { $0.type == Self.delRule })
        let attributes = try NetlinkAttribute.parse(delete.payload, from: 4, baseOffset: NetlinkMessage.headerLength)
        let handle = try #require(attributes.first { $0.type == UInt16(NFTA_RULE_HANDLE.rawValue) })
        #expect(handle.value == [0, 0, 0, 0, 0, 0, 0, 42])
    }

    @Test func aDeleteWithoutHandleIsRefused() {
        let rule = IptablesRule(chain: "POSTROUTING", rule: NftRule([.comment(IptablesNames.masqueradeComment)], .return))
        #expect(throws: NftEncodingError.self) {
            try IptablesEncoder.transaction(IptablesChange(table: IptablesNames.nat, deletes: [rule]))
        }
    }

    @Test func aCommentTooLongForIptablesIsRefused() {
        let rule = IptablesRule(
            chain: IptablesNames.masqueradeChain, rule: NftRule([.comment(String(repeating: "x", count: 256))], .return)
        )
        #expect(throws: NftEncodingError.self) {
            try IptablesEncoder.transaction(IptablesChange(table: IptablesNames.nat, appends: [rule]))
        }
    }
}
