/// Mutations that break parsers the way hostile or damaged files do: bit flips, truncations,
/// splices of two seeds, repeated and deeply nested structure, and the tokens each format
/// treats specially (JSON punctuation, escapes, extreme numbers, YAML anchors, aliases and block
/// scalars, addresses and MACs at their limits).
struct Mutator {
    /// Inputs never grow past this: big enough for deep nesting and repeated structure, small
    /// enough to keep thousands of inputs a second.
    static let maximumSize = 256 << 10

    static let tokens: [[UInt8]] = [
        "{", "}", "[", "]", "\"", ":", ",", " ", "\n", "\t", "\r\n", "null", "true", "false", "-0", "-",
        "1e999", "-1e-999", "99999999999999999999999", "18446744073709551616", "0.0000001", "1.5",
        "\\u0000", "\\ud800", "\\udc00\\ud800", "\\\"", "\\", "\u{FEFF}", "\u{00A0}", "\u{10FFFF}",
        "&a ", "*a", "&a [*a,*a,*a]", "<<: *a", "|\n  ", ">-\n  ", "- ", "? ", "---\n", "...\n", "!!binary ",
        "!!str ", "%YAML 1.2\n", "#", "'", "''", "{a: b}", "key: value\n", "\"net-conf.json\": |\n  {}\n",
        "10.244.1.0/24", "10.244.1.0-24", "0.0.0.0/0", "255.255.255.255", "256.1.1.1", "::1",
        "aa:bb:cc:dd:ee:ff", "ff:ff:ff:ff:ff:ff", "00:00:00:00:00:00", "\"VtepMAC\"", "\"PublicIP\"",
        "\"Network\"", "\"Backend\"", "\"Type\"", "\"vxlan\"", "\"host-gw\"", "\"VNI\"", "4294967296",
        "\"kvs\"", "\"items\"", "\"changes\"", "\"version\"", "\"formatVersion\"", "\"routes\"", "\"action\"",
    ].map { Array($0.utf8) }

    var random: FuzzRandom

    /// One to four stacked mutations of `input`; `other` is another seed for splices.
    mutating func mutate(_ input: [UInt8], other: [UInt8]) -> [UInt8] {
        var bytes = input
        for _ in 0...random.below(4) {
            bytes = once(bytes, other: other)
            if bytes.count > Self.maximumSize { bytes.removeSubrange(Self.maximumSize...) }
        }
        return bytes
    }

    private mutating func once(_ input: [UInt8], other: [UInt8]) -> [UInt8] {
        var bytes = input
        let position = random.below(bytes.count + 1)
        switch random.below(12) {
        case 0:  // bit flip
            if !bytes.isEmpty { bytes[position % bytes.count] ^= 1 << UInt8(random.below(8)) }
        case 1:  // a byte to a random value
            if !bytes.isEmpty { bytes[position % bytes.count] = UInt8(truncatingIfNeeded: random.next()) }
        case 2:  // delete a range
            let end = min(bytes.count, position + 1 + random.below(64))
            if position < end { bytes.removeSubrange(position..<end) }
        case 3, 4:  // insert a token
            bytes.insert(contentsOf: Self.tokens[random.below(Self.tokens.count)], at: position)
        case 5:  // truncate
            bytes.removeSubrange(position...)
        case 6:  // copy a range elsewhere
            let start = random.below(bytes.count + 1)
            let end = min(bytes.count, start + random.below(512))
            bytes.insert(contentsOf: Array(bytes[start..<end]), at: random.below(bytes.count + 1))
        case 7:  // splice: this seed's head, the other's tail
            let cut = random.below(other.count + 1)
            bytes = Array(bytes[..<position]) + Array(other[cut...])
        case 8:  // repeat a range many times
            let start = random.below(bytes.count + 1)
            let end = min(bytes.count, start + 1 + random.below(128))
            guard start < end else { break }
            let piece = Array(bytes[start..<end])
            let times = 1 + random.below(Self.maximumSize / (4 * piece.count) + 1)
            var repeated: [UInt8] = []
            repeated.reserveCapacity(times * piece.count)
            for _ in 0..<times { repeated.append(contentsOf: piece) }
            bytes.insert(contentsOf: repeated, at: end)
        case 9:  // deep nesting, in JSON or YAML
            let depth = 1 + random.below(5000)
            let (open, close): ([UInt8], [UInt8]) = [
                (Array("[".utf8), Array("]".utf8)), (Array("{\"a\":".utf8), Array("}".utf8)),
                (Array("- ".utf8), []), (Array("a: {".utf8), Array("}".utf8)),
            ][random.below(4)]
            var nested: [UInt8] = []
            nested.reserveCapacity(depth * (open.count + close.count) + bytes.count)
            for _ in 0..<depth { nested.append(contentsOf: open) }
            nested.append(contentsOf: bytes)
            for _ in 0..<depth { nested.append(contentsOf: close) }
            bytes = nested
        case 10:  // a digit run to an extreme number
            if let digit = bytes[position...].firstIndex(where: { $0 >= 0x30 && $0 <= 0x39 }) {
                var end = digit
                while end < bytes.count, bytes[end] >= 0x30, bytes[end] <= 0x39 { end += 1 }
                let extremes = ["0", "4294967295", "4294967296", "-1", "9223372036854775808", "1e400"]
                bytes.replaceSubrange(digit..<end, with: Array(extremes[random.below(extremes.count)].utf8))
            }
        default:  // swap two ranges' order: cut and move to the end
            let end = min(bytes.count, position + random.below(256))
            let piece = Array(bytes[position..<end])
            bytes.removeSubrange(position..<end)
            bytes += piece
        }
        return bytes
    }
}
