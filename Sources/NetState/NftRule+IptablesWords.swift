extension NftRule {
    /// The rule as `iptables -S` (or `ip6tables -S`: the same words, IPv6 prefixes) prints it: `-A FLANNEL-POSTRTG -s 10.244.0.0/16 ! -d
    /// 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully`.
    ///
    /// iptables prints the address and interface matches first, `-s -d -i -o` (they live in its
    /// `ipt_entry` header), then the `-m` matches in their order, then the target; a counter is printed
    /// only with `-v`. A part iptables has no word for is shown in nft's words in brackets, so
    /// an odd rule under a flannel comment still reads as what it is.
    public func iptablesWords(chain: String) -> String {
        var source: [String] = [], destination: [String] = [], input: [String] = [], output: [String] = []
        var modules: [String] = []
        for match in matches {
            switch match {
            case let .sourceAddress(prefix, negated):
                source = (negated ? ["!"] : []) + ["-s", prefix.description]
            case let .destinationAddress(prefix, negated):
                destination = (negated ? ["!"] : []) + ["-d", prefix.description]
            // ip6tables prints a host prefix with its length too: `-s fd00::1/128`.
            case let .sourceAddress6(prefix, negated):
                source = (negated ? ["!"] : []) + ["-s", prefix.description]
            case let .destinationAddress6(prefix, negated):
                destination = (negated ? ["!"] : []) + ["-d", prefix.description]
            case let .inputInterface(name, negated):
                input = (negated ? ["!"] : []) + ["-i", Self.iptablesInterface(name)]
            case let .outputInterface(name, negated):
                output = (negated ? ["!"] : []) + ["-o", Self.iptablesInterface(name)]
            case let .mark(mask, value):
                let text = mask == .max ? Self.hex(value) : "\(Self.hex(value))/\(Self.hex(mask))"
                modules += ["-m", "mark", "--mark", text]
            case let .comment(text) where !Self.isPrintable(text):
                // A line break would end the line here and in an `iptables-restore` input: such
                // a comment has no iptables words (the rule is then named by its handle).
                modules.append("[xt comment \(text.debugDescription)]")
            case let .comment(text):
                modules += ["-m", "comment", "--comment", Self.savedString(text)]
            case .counter:
                continue
            case let .other(text):
                modules.append("[\(Self.isPrintable(text) ? text : text.debugDescription)]")
            }
        }
        if let comment {
            modules.append(Self.isPrintable(comment)
                ? "-m comment --comment \(Self.savedString(comment))" : "[comment \(comment.debugDescription)]")
        }
        // iptables prints its `ipt_entry` header in this order, whatever order the expressions
        // came in (iptables-nft encodes an interface before an address).
        let header = source + destination + input + output
        return (["-A", Self.chainWord(chain)] + header + modules + Self.target(verdict)).joined(separator: " ")
    }

    /// True when `text` has no control characters: it can stand on one line of a listing, a
    /// plan or an `iptables-restore` input.
    static func isPrintable(_ text: String) -> Bool {
        !text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f || (0x80..<0xa0).contains($0.value) }
    }

    /// A chain or interface name as iptables prints it; one that could not stand in iptables'
    /// words (white space, control characters: the kernel allows them) in brackets, quoted.
    public static func chainWord(_ name: String) -> String {
        let plain = !name.isEmpty && isPrintable(name) && !name.unicodeScalars.contains(" ")
        return plain ? name : "[chain \(name.debugDescription)]"
    }

    private static func target(_ verdict: NftVerdict) -> [String] {
        switch verdict {
        case .accept: ["-j", "ACCEPT"]
        case .drop: ["-j", "DROP"]
        case .return: ["-j", "RETURN"]
        case let .masquerade(fullyRandom): ["-j", "MASQUERADE"] + (fullyRandom ? ["--random-fully"] : [])
        case let .jump(chain): ["-j", chainWord(chain)]
        case let .goto(chain): ["-g", chainWord(chain)]
        case .continue: []
        case let .other(text): ["[\(text)]"]
        }
    }

    /// iptables writes an interface wildcard as `eth+`; the model, like nft, as `eth*`.
    private static func iptablesInterface(_ name: String) -> String {
        let word = name.hasSuffix("*") ? String(name.dropLast()) + "+" : name
        return chainWord(word) == word ? word : "[interface \(name.debugDescription)]"
    }

    /// `0x4000`: iptables prints marks in lowercase hex without padding.
    private static func hex(_ value: UInt32) -> String { "0x" + String(value, radix: 16) }

    /// libxtables' `xtables_save_string`: a value of letters, digits, `_` and `-` only is
    /// printed as it is; anything else is double-quoted with `"`, `\` and `'` escaped.
    static func savedString(_ text: String) -> String {
        let plain = !text.isEmpty && text.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "-")
        }
        if plain { return text }
        var quoted = "\""
        // Scalar by scalar: a combining mark after `"` makes one Character of the two, and
        // iptables escapes the byte.
        for scalar in text.unicodeScalars {
            if scalar == "\"" || scalar == "\\" || scalar == "'" { quoted.unicodeScalars.append("\\") }
            quoted.unicodeScalars.append(scalar)
        }
        return quoted + "\""
    }
}

/// The part of one iptables-nft table that is flannel's, as `iptables -t nat -S` prints it:
/// `-N` for flannel's chains, then `-A` for each rule in chain order.
public struct IptablesListing: Hashable, Sendable {
    public var table: NftTable.Key
    public var chains: [String]
    public var rules: [IptablesRule]

    public init(table: NftTable.Key, chains: [String], rules: [IptablesRule]) {
        self.table = table
        self.chains = chains
        self.rules = rules
    }

    /// The listing of a layout as the plan writes it.
    public init(table: NftTable.Key, layout: IptablesLayout) {
        self.init(table: table, chains: layout.chain.map { [$0] } ?? [], rules: layout.rules)
    }

    public var lines: [String] {
        chains.map { "-N \($0)" } + rules.map { $0.rule.iptablesWords(chain: $0.chain) }
    }
}
