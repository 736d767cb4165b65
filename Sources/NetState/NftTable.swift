/// An nf_tables table as a value: enough of the model to say what flannel's table holds and to
/// tell, for a foreign table, what its rules do. Observed tables are decoded back into this
/// model so that observed and desired compare with `==`.
public struct NftTable: Hashable, Sendable {
    public struct Key: Hashable, Comparable, Sendable {
        /// `ip`, `ip6`, `inet`, …
        public var family: NftFamily
        public var name: String

        public init(family: NftFamily, name: String) {
            self.family = family
            self.name = name
        }

        public static func < (lhs: Key, rhs: Key) -> Bool {
            (lhs.family.rawValue, lhs.name) < (rhs.family.rawValue, rhs.name)
        }
    }

    public var key: Key
    public var comment: String?
    /// In listing order (the kernel lists chains in the order they were added).
    public var chains: [NftChain]

    public init(key: Key, comment: String? = nil, chains: [NftChain]) {
        self.key = key
        self.comment = comment
        self.chains = chains
    }

    /// flannel's own table, `ip flannel-ipv4`.
    public static let flannelKey = Key(family: .ip, name: "flannel-ipv4")
    /// flannel's own IPv6 table, `ip6 flannel-ipv6` (its nftables manager makes both,
    /// `pkg/trafficmngr/nftables/nftables.go`: `ipv4Table`, `ipv6Table`).
    public static let flannel6Key = Key(family: .ip6, name: "flannel-ipv6")
    /// Both of flannel's tables, IPv4 first.
    public static let flannelKeys = [flannelKey, flannel6Key]

    /// flannel's own table of `family`.
    public static func flannelKey(_ family: AddressFamily) -> Key { family == .inet6 ? flannel6Key : flannelKey }
}

/// nf_tables address families (`NFPROTO_*`).
public struct NftFamily: KernelEnum {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let inet = NftFamily(rawValue: 1)
    public static let ip = NftFamily(rawValue: 2)
    public static let arp = NftFamily(rawValue: 3)
    public static let netdev = NftFamily(rawValue: 5)
    public static let bridge = NftFamily(rawValue: 7)
    public static let ip6 = NftFamily(rawValue: 10)

    public static let names: [UInt8: String] = [1: "inet", 2: "ip", 3: "arp", 5: "netdev", 7: "bridge", 10: "ip6"]
}

public struct NftChain: Hashable, Sendable {
    /// A base chain's hook registration: `type nat hook postrouting priority srcnat; policy accept;`.
    public struct Hook: Hashable, Sendable {
        public var type: String
        public var hook: String
        public var priority: Int32
        public var policyAccept: Bool

        public init(type: String, hook: String, priority: Int32, policyAccept: Bool = true) {
            self.type = type
            self.hook = hook
            self.priority = priority
            self.policyAccept = policyAccept
        }

        /// nft's symbolic name for a standard priority (`srcnat`, `filter`, …), else the number.
        public var priorityName: String {
            let standard: [Int32: String] =
                hook == "postrouting" || hook == "input" || hook == "output" || hook == "forward"
                    || hook == "prerouting"
                ? [-300: "raw", -150: "mangle", -100: "dstnat", 0: "filter", 50: "security", 100: "srcnat"]
                : [:]
            if let name = standard[priority] { return name }
            if let (base, name) = standard.min(by: { abs($0.key - priority) < abs($1.key - priority) }),
               abs(base - priority) <= 10 {
                return priority > base ? "\(name) + \(priority - base)" : "\(name) - \(base - priority)"
            }
            return String(priority)
        }
    }

    public var name: String
    public var comment: String?
    public var hook: Hook?
    public var rules: [NftRule]

    public init(name: String, comment: String? = nil, hook: Hook?, rules: [NftRule]) {
        self.name = name
        self.comment = comment
        self.hook = hook
        self.rules = rules
    }
}

/// One rule: its matches in order, then its verdict.
public struct NftRule: Hashable, Sendable {
    public var matches: [NftMatch]
    public var verdict: NftVerdict
    public var comment: String?
    /// The kernel's handle of an observed rule: what a delete names (`NFTA_RULE_HANDLE`). It is
    /// not part of what the rule *is*, so two rules that differ only in it are equal: a rule
    /// flanneld deleted and re-added is the same rule.
    public var handle: UInt64?

    public init(_ matches: [NftMatch], _ verdict: NftVerdict, comment: String? = nil, handle: UInt64? = nil) {
        self.matches = matches
        self.verdict = verdict
        self.comment = comment
        self.handle = handle
    }

    public static func == (lhs: NftRule, rhs: NftRule) -> Bool {
        lhs.matches == rhs.matches && lhs.verdict == rhs.verdict && lhs.comment == rhs.comment
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(matches)
        hasher.combine(verdict)
        hasher.combine(comment)
    }
}

public enum NftMatch: Hashable, Sendable {
    /// `meta mark & mask == value`; with mask all-ones nft prints `meta mark value`.
    case mark(mask: UInt32, value: UInt32)
    case sourceAddress(IPv4Prefix, negated: Bool)
    case destinationAddress(IPv4Prefix, negated: Bool)
    /// `ip6 saddr [!=] prefix`: ip6tables' `-s`. Cases of their own rather than a family-blind
    /// prefix, so the IPv4 cases (and every IPv4 value, text and fingerprint) stay as they were.
    case sourceAddress6(IPv6Prefix, negated: Bool)
    /// `ip6 daddr [!=] prefix`: ip6tables' `-d`.
    case destinationAddress6(IPv6Prefix, negated: Bool)
    case outputInterface(String, negated: Bool)
    case inputInterface(String, negated: Bool)
    /// iptables-nft's `-m comment --comment TEXT`: the xtables `comment` match (revision 0, a
    /// 256-byte NUL-padded string). flannel marks its iptables-mode rules with it.
    case comment(String)
    /// A `counter` expression, without its numbers: counts change with every packet, and a
    /// snapshot or a plan's fingerprint must not. iptables-nft puts one in every rule.
    case counter
    /// Expressions the model has no word for, kept as text so foreign rules still print.
    case other(String)
}

public enum NftVerdict: Hashable, Sendable {
    case accept
    case drop
    case `return`
    case masquerade(fullyRandom: Bool)
    case jump(String)
    case goto(String)
    /// No verdict: the rule only matches (or counts) and falls through.
    case `continue`
    case other(String)
}
