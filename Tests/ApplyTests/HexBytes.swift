/// Bytes from annotated hex: `#` starts a comment to the end of the line, whitespace is
/// ignored, so expected messages can be written field by field next to their meaning.
func hex(_ text: String) -> [UInt8] {
    var digits: [UInt8] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        let code = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        for character in code where character.isHexDigit {
            guard let value = character.hexDigitValue else { continue }
            digits.append(UInt8(value))
        }
    }
    precondition(digits.count % 2 == 0, "odd number of hex digits in expected bytes")
    return stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
}

/// Hex of bytes, 4 per group, for readable failure messages.
func dump(_ bytes: [UInt8]) -> String {
    stride(from: 0, to: bytes.count, by: 4).map { start in
        bytes[start..<min(start + 4, bytes.count)].map { byte in
            let text = String(byte, radix: 16)
            return text.count == 1 ? "0" + text : text
        }.joined()
    }.joined(separator: " ")
}
