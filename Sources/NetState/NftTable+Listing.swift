extension NftMatch: CustomStringConvertible {
    public var description: String {
        func hex(_ value: UInt32) -> String {
            let digits = String(value, radix: 16)
            return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
        }
        func address(_ prefix: IPv4Prefix) -> String {
            prefix.length == 32 ? prefix.address.description : prefix.description
        }
        // nft lists a host prefix as the bare address, `/128` as `/32`.
        func address6(_ prefix: IPv6Prefix) -> String {
            prefix.length == 128 ? prefix.address.description : prefix.description
        }
        switch self {
        case let .mark(mask, value):
            return mask == .max ? "meta mark \(hex(value))" : "meta mark & \(hex(mask)) == \(hex(value))"
        case let .sourceAddress(prefix, negated):
            return "ip saddr " + (negated ? "!= " : "") + address(prefix)
        case let .destinationAddress(prefix, negated):
            return "ip daddr " + (negated ? "!= " : "") + address(prefix)
        case let .sourceAddress6(prefix, negated):
            return "ip6 saddr " + (negated ? "!= " : "") + address6(prefix)
        case let .destinationAddress6(prefix, negated):
            return "ip6 daddr " + (negated ? "!= " : "") + address6(prefix)
        case let .outputInterface(name, negated):
            return "oifname " + (negated ? "!= " : "") + "\"\(name)\""
        case let .inputInterface(name, negated):
            return "iifname " + (negated ? "!= " : "") + "\"\(name)\""
        case let .comment(text):
            return "xt comment \"\(text)\""
        case .counter:
            return "counter"
        case let .other(text):
            return text
        }
    }
}

extension NftVerdict: CustomStringConvertible {
    public var description: String {
        switch self {
        case .accept: "accept"
        case .drop: "drop"
        case .return: "return"
        case let .masquerade(fullyRandom): fullyRandom ? "masquerade fully-random" : "masquerade"
        case let .jump(chain): "jump \(chain)"
        case let .goto(chain): "goto \(chain)"
        case .continue: ""
        case let .other(text): text
        }
    }
}

extension NftRule: CustomStringConvertible {
    public var description: String {
        var words = matches.map(\.description)
        let verdict = verdict.description
        if !verdict.isEmpty { words.append(verdict) }
        if let comment { words.append("comment \"\(comment)\"") }
        return words.joined(separator: " ")
    }
}

extension NftTable: CustomStringConvertible {
    /// The text `nft list table` prints, tabs and all.
    public var description: String {
        var lines = ["table \(key.family) \(key.name) {"]
        if let comment { lines.append("\tcomment \"\(comment)\"") }
        for (index, chain) in chains.enumerated() {
            if index > 0 { lines.append("") }
            lines.append("\tchain \(chain.name) {")
            if let comment = chain.comment { lines.append("\t\tcomment \"\(comment)\"") }
            if let hook = chain.hook {
                lines.append(
                    "\t\ttype \(hook.type) hook \(hook.hook) priority \(hook.priorityName); policy \(hook.policyAccept ? "accept" : "drop");"
                )
            }
            lines += chain.rules.map { "\t\t\($0)" }
            lines.append("\t}")
        }
        lines.append("}")
        return lines.joined(separator: "\n")
    }
}
