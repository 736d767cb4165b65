import NetState

/// nf_tables tables in snapshots and plans. Matches and verdicts are nft's own words
/// (`"ip saddr != 10.244.0.0/16"`, `"masquerade fully-random"`), so a snapshot reads like
/// `nft list table` and can be written by hand; words the model does not know are kept as text.
public enum NftFormats {
    public static let table = JSONObjectFormat<NftTable, NftTable>(blank: NftTable(key: key.blank, chains: []), [
        .required("chains", { $0.chains }, { $0.chains = $1 }, .array(chain.value)),
        .optional("comment", { $0.comment }, { $0.comment = $1 }, .string),
        .required("key", { $0.key }, { $0.key = $1 }, key.value),
    ])

    public static let key = JSONObjectFormat<NftTable.Key, NftTable.Key>(blank: NftTable.Key(family: NftFamily(rawValue: 0), name: ""), [
        .required("family", { $0.family }, { $0.family = $1 }, .kernelEnum(NftFamily.self)),
        .required("name", { $0.name }, { $0.name = $1 }, .string),
    ])

    public static let chain = JSONObjectFormat<NftChain, NftChain>(blank: NftChain(name: "", hook: nil, rules: []), [
        .optional("comment", { $0.comment }, { $0.comment = $1 }, .string),
        .optional("hook", { $0.hook }, { $0.hook = $1 }, hook.value),
        .required("name", { $0.name }, { $0.name = $1 }, .string),
        .required("rules", { $0.rules }, { $0.rules = $1 }, .array(rule.value)),
    ])

    public static let hook = JSONObjectFormat<NftChain.Hook, NftChain.Hook>(blank: NftChain.Hook(type: "", hook: "", priority: 0), [
        .required("hook", { $0.hook }, { $0.hook = $1 }, .string),
        .required("policyAccept", { $0.policyAccept }, { $0.policyAccept = $1 }, .bool),
        .required("priority", { $0.priority }, { $0.priority = $1 }, .integer(Int32.self)),
        .required("type", { $0.type }, { $0.type = $1 }, .string),
    ])

    public static let rule = JSONObjectFormat<NftRule, NftRule>(blank: NftRule([], .continue), [
        .optional("comment", { $0.comment }, { $0.comment = $1 }, .string),
        .optional("handle", { $0.handle }, { $0.handle = $1 }, .integer(UInt64.self)),
        .required("matches", { $0.matches }, { $0.matches = $1 }, .array(match)),
        .required("verdict", { $0.verdict }, { $0.verdict = $1 }, verdict),
    ])

    static let match = JSONValueFormat<NftMatch>(write: { $0.string($1.description) }, read: { (reader: inout JSONTextReader) throws(JSONReadError) in
        NftMatch(parsing: try reader.readString())
    })

    static let verdict = JSONValueFormat<NftVerdict>(write: { $0.string($1.description) }, read: { (reader: inout JSONTextReader) throws(JSONReadError) in
        NftVerdict(parsing: try reader.readString())
    })
}
