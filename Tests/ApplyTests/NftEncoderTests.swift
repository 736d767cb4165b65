import TestSupport
import Apply
import CNftnl
import Foundation
import NetState
import Netlink
import Testing

/// The encoder against nft itself: `Fixtures/nft-flannel-batch.hex` is the batch nft 1.0.6
/// sent (captured with strace) for `nft -f nft-flannel.nft`, the text of the same table.
@Suite struct NftEncoderTests {
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ObservedTests/Fixtures")

    static func hexFixture(_ name: String) throws -> [UInt8] {
        let text = try String(contentsOf: fixtures.appendingPathComponent(name), encoding: .utf8)
        let digits = Array(text.filter { $0.isHexDigit }.utf8)
        return stride(from: 0, to: digits.count - 1, by: 2).compactMap {
            UInt8(String(decoding: digits[$0...$0 + 1], as: UTF8.self), radix: 16)
        }
    }

    static let newTable = UInt16(NFNL_SUBSYS_NFTABLES) << 8 | UInt16(NFT_MSG_NEWTABLE.rawValue)
    static let delTable = UInt16(NFNL_SUBSYS_NFTABLES) << 8 | UInt16(NFT_MSG_DELTABLE.rawValue)
    static let newChain = UInt16(NFNL_SUBSYS_NFTABLES) << 8 | UInt16(NFT_MSG_NEWCHAIN.rawValue)
    static let newRule = UInt16(NFNL_SUBSYS_NFTABLES) << 8 | UInt16(NFT_MSG_NEWRULE.rawValue)
    static let batchBegin = UInt16(NFNL_MSG_BATCH_BEGIN)
    static let batchEnd = UInt16(NFNL_MSG_BATCH_END)
    static let ack = UInt16(NLM_F_ACK)
    static let create = UInt16(NLM_F_CREATE)

    @Test func replaceBatchHasTheAtomicReplaceShape() throws {
        let batch = try NftEncoder.replace(FlannelTableFixture.table())
        let messages = try NetlinkMessage.parse(batch.bytes)
        #expect(messages.map(\.type) == [
            Self.batchBegin, Self.newTable, Self.delTable, Self.newTable, Self.newChain, Self.newChain,
        ] + Array(repeating: Self.newRule, count: 8) + [Self.batchEnd])
        // Sequence numbers count up from 0; every object message asks for an ACK.
        #expect(messages.map(\.sequence) == Array(0..<15))
        #expect(messages.dropFirst().dropLast().allSatisfy { $0.flags & Self.ack != 0 })
        #expect(batch.messages.count == 13)
        #expect(batch.messages.map(\.sequence) == Array(1..<14))
        #expect(batch.commits)
        // The begin message addresses the nf_tables subsystem (res_id 10, big endian).
        #expect(messages[0].payload == [0, 0, 0, 10])
        #expect(batch.label(of: 8)?.hasPrefix("NFT_MSG_NEWRULE ip flannel-ipv4 chain postrtg rule 3 ") == true)
    }

    /// After our ensure-and-delete prefix, every message equals nft's byte for byte, except the
    /// sequence number and the flags we add (`NLM_F_ACK`, and `NLM_F_CREATE` on the table).
    @Test func replaceBatchMatchesNftByteForByte() throws {
        let ours = try NetlinkMessage.parse(try NftEncoder.replace(FlannelTableFixture.table()).bytes)
        let nfts = try NetlinkMessage.parse(try Self.hexFixture("nft-flannel-batch.hex"))
        try #require(nfts.count == 13)
        let oursCompared = Array(ours[3...])
        let nftCompared = Array(nfts[1...])
        try #require(oursCompared.count == nftCompared.count)
        for (mine, theirs) in zip(oursCompared, nftCompared) {
            #expect(mine.type == theirs.type)
            #expect(mine.payload == theirs.payload, "message type \(mine.type)")
            let expectedFlags = mine.type == Self.newTable ? theirs.flags | Self.ack | Self.create
                : mine.type == Self.batchEnd ? theirs.flags : theirs.flags | Self.ack
            #expect(mine.flags == expectedFlags)
        }
    }

    @Test func deleteBatchEnsuresThenDeletes() throws {
        let batch = try NftEncoder.delete(NftTable.flannelKey)
        let messages = try NetlinkMessage.parse(batch.bytes)
        #expect(messages.map(\.type) == [Self.batchBegin, Self.newTable, Self.delTable, Self.batchEnd])
        #expect(batch.messages.map(\.label) == ["NFT_MSG_NEWTABLE ip flannel-ipv4 (ensure it exists)", "NFT_MSG_DELTABLE ip flannel-ipv4"])
    }

    @Test func checkBatchHasNoEnd() throws {
        let batch = try NftEncoder.check(FlannelTableFixture.table())
        let messages = try NetlinkMessage.parse(batch.bytes)
        #expect(messages.last?.type == Self.newRule)
        #expect(messages.first?.type == Self.batchBegin)
        #expect(!batch.commits)
    }

    @Test func renumberingMovesEverySequence() throws {
        let batch = try NftEncoder.replace(FlannelTableFixture.table()).renumbered(from: 1000)
        let messages = try NetlinkMessage.parse(batch.bytes)
        #expect(messages.map(\.sequence) == Array(1000..<1015))
        #expect(batch.messages.map(\.sequence) == Array(1001..<1014))
    }

    @Test func byteUnalignedAndHostPrefixesUseMaskOrFullLoad() throws {
        let table = NftTable(key: .init(family: .ip, name: "t"), chains: [
            NftChain(name: "c", hook: nil, rules: [
                NftRule([.sourceAddress(IPv4Prefix(address: IPv4Address(10, 240, 0, 0), length: 20), negated: false)], .drop),
                NftRule([.destinationAddress(IPv4Prefix(address: IPv4Address(1, 2, 3, 4), length: 32), negated: true)], .continue),
                NftRule([.outputInterface("docker0", negated: true), .mark(mask: .max, value: 16)], .jump("other")),
            ]),
            NftChain(name: "other", hook: nil, rules: []),
        ])
        let batch = try NftEncoder.replace(table)
        let rules = try NetlinkMessage.parse(batch.bytes).filter { $0.type == Self.newRule }
        #expect(try rules.map { try NftEncoderTests.expressionText($0) } == [
            "[ payload load 4b @ network header + 12 => reg 1 ] [ bitwise reg 1 = ( reg 1 & 0x00f0ffff ) ^ 0x00000000 ] [ cmp eq reg 1 0x0000f00a ] [ immediate reg 0 drop ]",
            "[ payload load 4b @ network header + 16 => reg 1 ] [ cmp neq reg 1 0x04030201 ]",
            "[ meta load oifname => reg 1 ] [ cmp neq reg 1 0x6b636f64 0x00307265 0x00000000 0x00000000 ] [ meta load mark => reg 1 ] [ cmp eq reg 1 0x00000010 ] [ immediate reg 0 jump -> other ]",
        ])
    }

    @Test func otherMatchesHaveNoWireForm() {
        let table = NftTable(key: .init(family: .ip, name: "t"), chains: [
            NftChain(name: "c", hook: nil, rules: [NftRule([.other("ct state established")], .accept)]),
        ])
        #expect(throws: NftEncodingError(table: table.key, chain: "c", rule: 1, reason: "no wire form for match \"ct state established\"")) {
            try NftEncoder.replace(table)
        }
    }

    /// libnftnl's own rendering of a NEWRULE message's expressions, as `nft --debug=netlink`
    /// prints them.
    static func expressionText(_ message: NetlinkMessage) throws -> String {
        let rule = try #require(nftnl_rule_alloc())
        defer { nftnl_rule_free(rule) }
        let bytes = message.bytes
        let parsed = bytes.withUnsafeBytes { raw in
            nftnl_rule_nlmsg_parse(raw.baseAddress?.assumingMemoryBound(to: nlmsghdr.self), rule)
        }
        try #require(parsed >= 0)
        var texts: [String] = []
        let iterator = try #require(nftnl_expr_iter_create(rule))
        defer { nftnl_expr_iter_destroy(iterator) }
        while let expression = nftnl_expr_iter_next(iterator) {
            var buffer = [CChar](repeating: 0, count: 512)
            _ = nftnl_expr_snprintf(&buffer, buffer.count, expression, UInt32(NFTNL_OUTPUT_DEFAULT.rawValue), 0)
            let name = String(cString: nftnl_expr_get_str(expression, UInt16(NFTNL_EXPR_NAME)))
            texts.append("[ \(name) \(String(cString: buffer))]")
        }
        return texts.joined(separator: " ")
    }
}
