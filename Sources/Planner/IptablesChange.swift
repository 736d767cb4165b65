import NetState

/// One nf_tables transaction on one iptables-nft table (`ip nat`, `ip filter`) that turns
/// flannel's part of it into the wanted layout, leaving every other rule where it is. The
/// kernel commits it whole, so packets never meet a half-written `FLANNEL-POSTRTG`.
///
/// Order inside the transaction: the table and chains that do not exist yet (a base chain as
/// iptables-nft declares it), the deletes (by the observed rules' handles), the appends, and
/// last the flannel chains no longer wanted (nothing refers to them by then).
public struct IptablesChange: Hashable, Sendable {
    public var table: NftTable.Key
    /// The table does not exist (a node where iptables-nft never wrote to it).
    public var createsTable: Bool
    /// Chains created empty: base chains with their hook, flannel's chains without.
    public var newChains: [NftChain]
    /// Owned rules removed, as observed (with their handles), in listing order.
    public var deletes: [IptablesRule]
    /// Rules appended, in this order.
    public var appends: [IptablesRule]
    /// flannel's chains removed after their rules and the jumps to them.
    public var deletedChains: [String]
    /// The layout written, for the plan's words: `flannel v0.21+`; nil when only deleting.
    public var layout: String?

    public init(
        table: NftTable.Key, createsTable: Bool = false, newChains: [NftChain] = [], deletes: [IptablesRule] = [],
        appends: [IptablesRule] = [], deletedChains: [String] = [], layout: String? = nil
    ) {
        self.table = table
        self.createsTable = createsTable
        self.newChains = newChains
        self.deletes = deletes
        self.appends = appends
        self.deletedChains = deletedChains
        self.layout = layout
    }

    public var action: Change.Action {
        if deletes.isEmpty && deletedChains.isEmpty { return .create }
        if appends.isEmpty && newChains.isEmpty { return .delete }
        return .replace
    }

    /// The lines a person reads under the change, in `iptables -S` words: `-` for what goes,
    /// `+` for what comes.
    public var lines: [String] {
        var lines: [String] = []
        lines += deletes.map { "- " + $0.rule.iptablesWords(chain: $0.chain) }
        lines += newChains.map { chain in
            chain.hook == nil ? "+ -N \(chain.name)" : "+ -P \(chain.name) ACCEPT"
        }
        lines += appends.map { "+ " + $0.rule.iptablesWords(chain: $0.chain) }
        lines += deletedChains.map { "- -N \($0)" }
        return lines
    }
}
