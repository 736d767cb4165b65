import NetState
import Netlink

/// A table the encoder cannot express in nf_tables messages, with where in the table it is.
///
/// Only the model's own words can be encoded: an observed foreign rule decoded to `.other(...)`
/// text has no wire form, and an interface name longer than `IFNAMSIZ - 1` has none either.
public struct NftEncodingError: Error, Hashable, Sendable, CustomStringConvertible {
    public var table: NftTable.Key
    public var chain: String?
    /// 1-based position of the rule in its chain.
    public var rule: Int?
    public var reason: String

    public init(table: NftTable.Key, chain: String? = nil, rule: Int? = nil, reason: String) {
        self.table = table
        self.chain = chain
        self.rule = rule
        self.reason = reason
    }

    public var description: String {
        var place = "table \(table.family) \(table.name)"
        if let chain { place += " chain \(chain)" }
        if let rule { place += " rule \(rule)" }
        return "cannot encode \(place): \(reason)"
    }
}

extension NftEncodingError {
    /// Runs a step that builds libnftnl objects; its failure (out of memory: the only way they
    /// fail) becomes an encoding error at this place in the table.
    static func wrap<T>(
        table: NftTable.Key, chain: String? = nil, rule: Int? = nil, _ body: () throws(NetlinkError) -> T
    ) throws(NftEncodingError) -> T {
        do {
            return try body()
        } catch {
            throw NftEncodingError(table: table, chain: chain, rule: rule, reason: error.description)
        }
    }

    /// A comment as the userdata nft writes for it (`type` says whose: table, chain or rule),
    /// refused here when it does not fit the userdata's one-byte length. `what` names it in the
    /// message: "table comment", "chain comment", "comment".
    static func comment(
        _ text: String, type: UInt8, what: String, table: NftTable.Key, chain: String? = nil, rule: Int? = nil
    ) throws(NftEncodingError) -> [UInt8] {
        let bytes = try wrap(table: table, chain: chain, rule: rule) { () throws(NetlinkError) in
            try NftUserData.comment(text, type: type)
        }
        guard let bytes else {
            throw NftEncodingError(
                table: table, chain: chain, rule: rule, reason: "\(what) of \(text.utf8.count) bytes is too long"
            )
        }
        return bytes
    }
}
