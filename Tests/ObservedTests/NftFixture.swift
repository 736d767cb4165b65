import Foundation
import NetState
import Netlink

/// Fixtures captured from kernel 6.18 with `Fixtures/nft-capture.py` (strace of `nft list
/// ruleset`, so the bytes owe nothing to our own reader); see `Fixtures/nft-fixtures.md`.
enum NftFixture {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func text(_ name: String) throws -> String {
        try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
    }

    /// The messages of a hex fixture: one message per line, or one datagram on a line.
    static func messages(_ name: String) throws -> [NetlinkMessage] {
        var messages: [NetlinkMessage] = []
        for line in try text(name).split(separator: "\n") {
            let digits = Array(line.filter { $0.isHexDigit }.utf8)
            let bytes = stride(from: 0, to: digits.count - 1, by: 2).compactMap {
                UInt8(String(decoding: digits[$0...$0 + 1], as: UTF8.self), radix: 16)
            }
            messages += try NetlinkMessage.parse(bytes)
        }
        return messages
    }

    static let cluster = IPv4Prefix(address: IPv4Address(10, 244, 0, 0), length: 16)
    static let lease = IPv4Prefix(address: IPv4Address(10, 244, 1, 0), length: 24)

    /// flannel's table with the iptables-equivalent `postrtg`, built by hand.
    static func flannel(cluster: IPv4Prefix = cluster, lease: IPv4Prefix = lease) -> NftTable {
        NftTable(
            key: NftTable.flannelKey,
            comment: "rules for flannel-ipv4",
            chains: [
                NftChain(
                    name: "postrtg",
                    comment: "chain to manage traffic masquerading by flannel",
                    hook: .init(type: "nat", hook: "postrouting", priority: 100),
                    rules: [
                        NftRule([.mark(mask: 0x4000, value: 0x4000)], .return),
                        NftRule([.sourceAddress(lease, negated: false), .destinationAddress(cluster, negated: false)], .return),
                        NftRule([.sourceAddress(cluster, negated: false), .destinationAddress(lease, negated: false)], .return),
                        NftRule([.sourceAddress(cluster, negated: true), .destinationAddress(lease, negated: false)], .return),
                        NftRule(
                            [.sourceAddress(cluster, negated: false), .destinationAddress(.multicast, negated: true)],
                            .masquerade(fullyRandom: true)
                        ),
                        NftRule(
                            [.sourceAddress(cluster, negated: true), .destinationAddress(cluster, negated: false)],
                            .masquerade(fullyRandom: true)
                        ),
                    ]
                ),
                NftChain(
                    name: "forward",
                    comment: "chain to accept flannel traffic",
                    hook: .init(type: "filter", hook: "forward", priority: 0),
                    rules: [
                        NftRule([.sourceAddress(cluster, negated: false)], .accept),
                        NftRule([.destinationAddress(cluster, negated: false)], .accept),
                    ]
                ),
            ]
        )
    }
}
