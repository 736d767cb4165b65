import Foundation
import Netlink

/// Fixtures of kernel messages as annotated hex: one message per paragraph, `#` lines are
/// comments, every other line is hex bytes (whitespace ignored). They live beside the decoder
/// tests (`Tests/ObservedTests/Fixtures`); the capture test in KernelTests re-records them.
public enum HexFixture {
    public static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("ObservedTests/Fixtures")

    public static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public static func messages(_ name: String) throws -> [NetlinkMessage] {
        let text = try String(contentsOf: url(name), encoding: .utf8)
        var messages: [NetlinkMessage] = []
        for paragraph in text.components(separatedBy: "\n\n") {
            let hex = paragraph.split(separator: "\n").filter { !$0.hasPrefix("#") }.joined()
                .filter { !$0.isWhitespace }
            guard !hex.isEmpty else { continue }
            var bytes: [UInt8] = []
            var index = hex.startIndex
            while index < hex.endIndex {
                let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) ?? hex.endIndex
                guard let byte = UInt8(hex[index..<next], radix: 16) else {
                    throw Failure(description: "\(name): bad hex \(hex[index..<next])")
                }
                bytes.append(byte)
                index = next
            }
            messages += try NetlinkMessage.parse(bytes)
        }
        return messages
    }

    public static func render(_ messages: [NetlinkMessage], comment: (NetlinkMessage) -> String) -> String {
        var paragraphs: [String] = []
        for message in messages {
            var lines = comment(message).split(separator: "\n").map { "# \($0)" }
            lines.append("# len \(message.payload.count + NetlinkMessage.headerLength) type \(NetlinkMessageType.name(message.type)) flags 0x\(String(message.flags, radix: 16))")
            let bytes = message.bytes
            for start in stride(from: 0, to: bytes.count, by: 16) {
                lines.append(bytes[start..<min(start + 16, bytes.count)].map { byte in
                    let hex = String(byte, radix: 16)
                    return hex.count == 1 ? "0" + hex : hex
                }.joined(separator: " "))
            }
            paragraphs.append(lines.joined(separator: "\n"))
        }
        return paragraphs.joined(separator: "\n\n") + "\n"
    }
}
