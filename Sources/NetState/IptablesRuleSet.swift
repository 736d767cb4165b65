/// flannel's iptables-mode rules (`EnableNFTables: false`, flannel's default) in one of the
/// tables iptables-nft keeps in nf_tables: `ip nat` for MASQUERADE (`FLANNEL-POSTRTG`), `ip
/// filter` for forwarding (`FLANNEL-FWD`), and their IPv6 twins `ip6 nat` / `ip6 filter`,
/// which ip6tables-nft writes.
///
/// Unlike flannel's nf_tables table these tables are shared with kube-proxy, Docker, firewalld
/// and the operator, so they are never owned whole: only flannel's chains, the jumps to them and
/// rules carrying flannel's comments are (see the planner's `Ownership`). flanneld re-checks its
/// rules every 5 s and re-writes them when one is missing, so the desired state is a set of
/// acceptable layouts: any flannel version's layout that is in place satisfies it and nothing is
/// rewritten; only when none is does the plan write `layout`, flannel's current one.
public struct IptablesRuleSet: Hashable, Sendable {
    public var table: NftTable.Key
    /// What the plan writes when no accepted layout is in place.
    public var layout: IptablesLayout
    /// Layouts that satisfy, `layout` first, then older flannel versions' ones.
    public var accepted: [IptablesLayout]

    public init(table: NftTable.Key, layout: IptablesLayout, older: [IptablesLayout] = []) {
        self.table = table
        self.layout = layout
        accepted = [layout] + older
    }
}

/// The rules one flannel version installs in one table, in the order `iptables -S` lists them.
public struct IptablesLayout: Hashable, Sendable {
    /// Which flannel writes it: `flannel v0.21+`.
    public var name: String
    /// flannel's own chain (`FLANNEL-POSTRTG`), nil when the version put its rules straight
    /// into the base chain (before v0.20). The chain holds exactly its rules of the layout.
    public var chain: String?
    public var rules: [IptablesRule]

    public init(name: String, chain: String?, rules: [IptablesRule]) {
        self.name = name
        self.chain = chain
        self.rules = rules
    }

    /// The rules of one chain, in order.
    public func rules(in chain: String) -> [NftRule] {
        rules.filter { $0.chain == chain }.map(\.rule)
    }

    /// The chains the layout puts rules in, in first-use order.
    public var chains: [String] {
        var seen: [String] = []
        for rule in rules where !seen.contains(rule.chain) { seen.append(rule.chain) }
        return seen
    }
}

/// One rule of an iptables-nft table: `-A <chain> <rule>`.
public struct IptablesRule: Hashable, Sendable {
    public var chain: String
    public var rule: NftRule

    public init(chain: String, rule: NftRule) {
        self.chain = chain
        self.rule = rule
    }
}

/// The names iptables-nft and flannel use.
public enum IptablesNames {
    public static let nat = NftTable.Key(family: .ip, name: "nat")
    public static let filter = NftTable.Key(family: .ip, name: "filter")
    /// ip6tables-nft's tables: flannel writes the same chains there for IPv6
    /// (`MasqIP6Rules`, and `ForwardRules` of the IPv6 network).
    public static let nat6 = NftTable.Key(family: .ip6, name: "nat")
    public static let filter6 = NftTable.Key(family: .ip6, name: "filter")
    /// The tables iptables mode writes to, in the order the plan lists them: IPv4's by name,
    /// then IPv6's by name (an IPv4 node's plans and listings are what they were).
    public static let tables = [filter, nat, filter6, nat6]

    /// `nat` / `filter` of `family`.
    public static func nat(_ family: AddressFamily) -> NftTable.Key { family == .inet6 ? nat6 : nat }
    public static func filter(_ family: AddressFamily) -> NftTable.Key { family == .inet6 ? filter6 : filter }

    /// The program that lists and writes a table: `iptables` for `ip`, `ip6tables` for `ip6`.
    public static func program(_ key: NftTable.Key) -> String { key.family == .ip6 ? "ip6tables" : "iptables" }

    public static let masqueradeChain = "FLANNEL-POSTRTG"
    public static let forwardChain = "FLANNEL-FWD"
    public static let flannelChains: Set<String> = [masqueradeChain, forwardChain]
    /// The comments flannel (v0.16.2 and later) puts on every iptables-mode rule.
    public static let masqueradeComment = "flanneld masq"
    public static let forwardComment = "flanneld forward"
    public static let flannelComments: Set<String> = [masqueradeComment, forwardComment]

    /// The `-t` name iptables (and ip6tables) uses for a table key: `nat`, `filter`.
    public static func tableName(_ key: NftTable.Key) -> String { key.name }

    /// The base chain iptables-nft declares when a rule is added to it in a table that lacks
    /// it: `POSTROUTING` as `type nat hook postrouting priority srcnat; policy accept;`.
    /// ip6tables-nft declares the same hooks and priorities in `ip6 nat` / `ip6 filter`.
    public static func baseChain(_ name: String, in table: NftTable.Key) -> NftChain.Hook? {
        switch (table.name, name) {
        case ("nat", "PREROUTING"): .init(type: "nat", hook: "prerouting", priority: -100)
        case ("nat", "INPUT"): .init(type: "nat", hook: "input", priority: 100)
        case ("nat", "OUTPUT"): .init(type: "nat", hook: "output", priority: -100)
        case ("nat", "POSTROUTING"): .init(type: "nat", hook: "postrouting", priority: 100)
        case ("filter", "INPUT"): .init(type: "filter", hook: "input", priority: 0)
        case ("filter", "FORWARD"): .init(type: "filter", hook: "forward", priority: 0)
        case ("filter", "OUTPUT"): .init(type: "filter", hook: "output", priority: 0)
        default: nil
        }
    }

    /// True for a rule flannel's comment marks, as an xtables comment match or as nft's own
    /// rule comment (which a later iptables-nft may write instead).
    public static func carriesFlannelComment(_ rule: NftRule) -> Bool {
        if let comment = rule.comment, flannelComments.contains(comment) { return true }
        return rule.matches.contains { match in
            if case let .comment(text) = match { return flannelComments.contains(text) }
            return false
        }
    }

    /// True for a `jump`/`goto` into one of flannel's chains.
    public static func entersFlannelChain(_ rule: NftRule) -> Bool {
        switch rule.verdict {
        case let .jump(chain), let .goto(chain): flannelChains.contains(chain)
        default: false
        }
    }
}
