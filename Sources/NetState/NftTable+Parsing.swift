/// Matches and verdicts are stored in snapshots and plans as nft's own words
/// (`"ip saddr != 10.244.0.0/16"`, `"masquerade fully-random"`), so a snapshot reads like
/// `nft list table` and can be written by hand.
extension NftMatch {
    /// The inverse of `description`; words it does not know become `.other`.
    public init(parsing text: String) {
        var words = text.split(separator: " ").map(String.init)
        func negation() -> Bool {
            guard words.first == "!=" else { return false }
            words.removeFirst()
            return true
        }
        func prefix(_ word: String) -> IPv4Prefix? {
            IPv4Prefix(word, strict: false) ?? IPv4Address(word).map { IPv4Prefix(address: $0, length: 32) }
        }
        func hex(_ word: String) -> UInt32? {
            word.hasPrefix("0x") ? UInt32(word.dropFirst(2), radix: 16) : UInt32(word)
        }
        func prefix6(_ word: String) -> IPv6Prefix? {
            IPv6Prefix(word, strict: false) ?? IPv6Address(word).map { IPv6Prefix(address: $0, length: 128) }
        }
        let head = words.prefix(2).joined(separator: " ")
        switch head {
        case "ip6 saddr", "ip6 daddr":
            words.removeFirst(2)
            let negated = negation()
            if words.count == 1, let value = prefix6(words[0]) {
                self = head == "ip6 saddr"
                    ? .sourceAddress6(value, negated: negated) : .destinationAddress6(value, negated: negated)
                return
            }
        case "ip saddr", "ip daddr":
            words.removeFirst(2)
            let negated = negation()
            if words.count == 1, let value = prefix(words[0]) {
                self = head == "ip saddr"
                    ? .sourceAddress(value, negated: negated) : .destinationAddress(value, negated: negated)
                return
            }
        case "meta mark":
            if words.count == 3, let value = hex(words[2]) {
                self = .mark(mask: .max, value: value)
                return
            }
            if words.count == 6, words[2] == "&", words[4] == "==", let mask = hex(words[3]), let value = hex(words[5]) {
                self = .mark(mask: mask, value: value)
                return
            }
        case "xt comment":
            let quoted = text.dropFirst("xt comment ".count)
            if quoted.count >= 2, quoted.hasPrefix("\""), quoted.hasSuffix("\"") {
                self = .comment(String(quoted.dropFirst().dropLast()))
                return
            }
        default:
            if text == "counter" {
                self = .counter
                return
            }
            if let first = words.first, first == "oifname" || first == "iifname" {
                words.removeFirst()
                let negated = negation()
                if words.count == 1, words[0].count >= 2, words[0].hasPrefix("\""), words[0].hasSuffix("\"") {
                    let name = String(words[0].dropFirst().dropLast())
                    self = first == "oifname"
                        ? .outputInterface(name, negated: negated) : .inputInterface(name, negated: negated)
                    return
                }
            }
        }
        self = .other(text)
    }
}

extension NftVerdict {
    /// The inverse of `description`; words it does not know become `.other`.
    public init(parsing text: String) {
        switch text {
        case "accept": self = .accept
        case "drop": self = .drop
        case "return": self = .return
        case "masquerade": self = .masquerade(fullyRandom: false)
        case "masquerade fully-random": self = .masquerade(fullyRandom: true)
        case "": self = .continue
        default:
            if text.hasPrefix("jump ") {
                self = .jump(String(text.dropFirst(5)))
            } else if text.hasPrefix("goto ") {
                self = .goto(String(text.dropFirst(5)))
            } else {
                self = .other(text)
            }
        }
    }
}
