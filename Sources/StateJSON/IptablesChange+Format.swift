import NetState
import Planner

/// An `iptables` change in plans: `before` holds what goes (the observed rules with their
/// handles, and flannel's chains removed), `after` what comes (chains created, rules appended
/// in order, the layout's name). Each side is null when the change has nothing on it.
public enum IptablesFormats {
    /// One side of the change.
    struct Side: Hashable, Sendable {
        var table = NftTable.Key(family: NftFamily(rawValue: 0), name: "")
        var createsTable = false
        var chains: [NftChain] = []
        var rules: [IptablesRule] = []
        var layout: String?
    }

    static let side = JSONObjectFormat<Side, Side>(blank: Side(), [
        .required("chains", { $0.chains }, { $0.chains = $1 }, .array(NftFormats.chain.value)),
        .defaulted("createsTable", { $0.createsTable }, { $0.createsTable = $1 }, .bool),
        .optional("layout", { $0.layout }, { $0.layout = $1 }, .string),
        .required("rules", { $0.rules }, { $0.rules = $1 }, .array(rule.value)),
        .required("table", { $0.table }, { $0.table = $1 }, NftFormats.key.value),
    ])

    public static let rule = JSONObjectFormat<IptablesRule, IptablesRule>(blank: IptablesRule(chain: "", rule: NftRule([], .continue)), [
        .required("chain", { $0.chain }, { $0.chain = $1 }, .string),
        .required("rule", { $0.rule }, { $0.rule = $1 }, NftFormats.rule.value),
    ])

    static func sides(of change: IptablesChange) -> (before: Side?, after: Side?) {
        let before = change.deletes.isEmpty && change.deletedChains.isEmpty ? nil : Side(
            table: change.table, chains: change.deletedChains.map { NftChain(name: $0, hook: nil, rules: []) }, rules: change.deletes
        )
        let after = change.appends.isEmpty && change.newChains.isEmpty ? nil : Side(
            table: change.table, createsTable: change.createsTable, chains: change.newChains, rules: change.appends,
            layout: change.layout
        )
        return (before, after)
    }

    /// The change two sides describe; nil when they name different tables or neither is there.
    static func change(before: Side?, after: Side?) -> IptablesChange? {
        guard let table = after?.table ?? before?.table, before.map({ $0.table == table }) ?? true else { return nil }
        return IptablesChange(
            table: table, createsTable: after?.createsTable ?? false, newChains: after?.chains ?? [],
            deletes: before?.rules ?? [], appends: after?.rules ?? [], deletedChains: before?.chains.map(\.name) ?? [],
            layout: after?.layout
        )
    }
}
