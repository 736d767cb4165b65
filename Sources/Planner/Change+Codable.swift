import NetState

/// The JSON form of a change, part of the documented plan schema (docs/plan-json.md):
/// `{"action": "create|replace|delete|recreate", "kind": "link|addr|fdb|neigh|route|nft",
///   "text": "<the text plan's line>", "before": {…}|null, "after": {…}|null}`.
/// It carries whole objects, so a saved plan can be applied exactly as it was reviewed.
extension Change: Codable {
    private enum CodingKeys: String, CodingKey { case action, kind, text, before, after }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(action, forKey: .action)
        try container.encode(kind, forKey: .kind)
        try container.encode(description, forKey: .text)
        func both<T: Encodable>(_ before: T?, _ after: T?) throws {
            try container.encode(before, forKey: .before)
            try container.encode(after, forKey: .after)
        }
        switch self {
        case let .createLink(link): try both(nil, link)
        case let .modifyLink(old, new), let .recreateLink(old, new): try both(old, new)
        case let .deleteLink(link): try both(link, nil)
        case let .address(verb): try both(verb.before, verb.after)
        case let .fdb(verb): try both(verb.before, verb.after)
        case let .neighbor(verb): try both(verb.before, verb.after)
        case let .route(verb): try both(verb.before, verb.after)
        case let .table(verb): try both(verb.before, verb.after)
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let action = try container.decode(Action.self, forKey: .action)
        let kind = try container.decode(String.self, forKey: .kind)
        func verb<T: Codable & Hashable & Sendable>(_: T.Type) throws -> Verb<T> {
            let before = try container.decodeIfPresent(T.self, forKey: .before)
            let after = try container.decodeIfPresent(T.self, forKey: .after)
            switch (action, before, after) {
            case let (.create, nil, after?): return .create(after)
            case let (.replace, before?, after?): return .replace(old: before, new: after)
            case let (.delete, before?, nil): return .delete(before)
            default:
                throw DecodingError.dataCorruptedError(
                    forKey: .action, in: container, debugDescription: "\(action) \(kind) needs before/after to match"
                )
            }
        }
        switch kind {
        case "link":
            let before = try container.decodeIfPresent(VxlanLink.self, forKey: .before)
            let after = try container.decodeIfPresent(VxlanLink.self, forKey: .after)
            switch (action, before, after) {
            case let (.create, nil, new?): self = .createLink(new)
            case let (.replace, old?, new?): self = .modifyLink(old: old, new: new)
            case let (.recreate, old?, new?): self = .recreateLink(old: old, new: new)
            case let (.delete, old?, nil): self = .deleteLink(old)
            default:
                throw DecodingError.dataCorruptedError(
                    forKey: .action, in: container, debugDescription: "\(action) link needs before/after to match"
                )
            }
        case "addr": self = .address(try verb(DeviceAddress.self))
        case "fdb": self = .fdb(try verb(FdbEntry.self))
        case "neigh": self = .neighbor(try verb(Neighbor.self))
        case "route": self = .route(try verb(Route.self))
        case "nft": self = .table(try verb(NftTable.self))
        default:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: container, debugDescription: "unknown kind \(kind)")
        }
    }
}
