import Foundation
import NetState
import Netlink

/// Fixtures captured from kernel 6.18 with `Fixtures/nft-capture.py` (strace of `nft list
/// ruleset`, so the bytes owe nothing to our own reader); see `Fixtures/nft-fixtures.md`. They
/// live beside the decoder tests (`Tests/ObservedTests/Fixtures`); the kernel tests load them too.
public enum NftFixture {
    public static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ObservedTests/Fixtures")

    public static func text(_ name: String) throws -> String {
        try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
    }

    /// The messages of a hex fixture: one message per line, or one datagram on a line.
    public static func messages(_ name: String) throws -> [NetlinkMessage] {
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
}
