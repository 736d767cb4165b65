import NetState
import Planner

/// The JSON of a plan's parts, part of the documented plan schema (docs/plan-json.md).
public enum PlanFormats {
    /// `{"action": "create|replace|delete|recreate", "after": {…}|null, "before": {…}|null,
    ///   "kind": "link|addr|fdb|neigh|route|nft|iptables", "text": "<the text plan's line>"}`.
    /// It carries whole objects, so a saved plan can be applied exactly as it was reviewed.
    /// `before` and `after` come before `kind` in the file, so they are stepped over and read
    /// once the kind is known.
    public static let change = JSONObjectFormat<Change, ChangeDraft>(blank: ChangeDraft(), [
        .required("action", { $0.action }, { $0.action = $1 }, action),
        side("after") { $0.after = $1 },
        side("before") { $0.before = $1 },
        .required("kind", { $0.kind }, { $0.kind = $1 }, .string),
        .writeOnly("text", { $0.description }, .string),
    ]) { (draft: ChangeDraft, reader: inout JSONTextReader) throws(JSONReadError) in
        try draft.change(&reader)
    }

    static let action = JSONValueFormat<Change.Action>(write: { $0.string($1.rawValue) }, read: { (reader: inout JSONTextReader) throws(JSONReadError) in
        try reader.readText("unknown action") { Change.Action(rawValue: $0) }
    })

    /// `before` or `after`: the object, or `null` where the verb has none.
    private static func side(
        _ key: String, _ set: @escaping @Sendable (inout ChangeDraft, Int?) -> Void
    ) -> JSONField<Change, ChangeDraft> {
        JSONField(key, required: false, write: { writer, change, name in
            writer.key(name)
            let sides = change.sides
            if let object = key == "after" ? sides.after : sides.before { object.write(&writer) } else { writer.null() }
        }, read: { (reader: inout JSONTextReader, draft: inout ChangeDraft) throws(JSONReadError) in
            set(&draft, try reader.readNull() ? nil : try reader.skipForLater())
        })
    }

    public static let deviceAddress = JSONObjectFormat<DeviceAddress, DeviceAddress>(
        blank: DeviceAddress(device: "", address: InterfaceAddress(address: IPv4Address(0), length: 0)), [
            .required("address", { $0.address }, { $0.address = $1 }, .interfaceAddress),
            .required("device", { $0.device }, { $0.device = $1 }, .string),
        ]
    )
}

/// A change as read so far: where its `before` and `after` objects start in the document.
public struct ChangeDraft: Sendable {
    var action: Change.Action = .create
    var kind = ""
    var before: Int?
    var after: Int?

    /// The change its kind and action name, with the objects read as that kind's; refused
    /// unless `before` and `after` are what the action needs.
    func change(_ reader: inout JSONTextReader) throws(JSONReadError) -> Change {
        switch kind {
        case "link":
            let (old, new) = try objects(StateFormats.vxlan, &reader)
            switch (action, old, new) {
            case let (.create, nil, new?): return .createLink(new)
            case let (.replace, old?, new?): return .modifyLink(old: old, new: new)
            case let (.recreate, old?, new?): return .recreateLink(old: old, new: new)
            case let (.delete, old?, nil): return .deleteLink(old)
            default: throw reader.invalid("\(action) link needs before/after to match", member: "action")
            }
        case "addr": return .address(try verb(PlanFormats.deviceAddress, &reader))
        case "fdb": return .fdb(try verb(StateFormats.fdb, &reader))
        case "neigh": return .neighbor(try verb(StateFormats.neighbor, &reader))
        case "route": return .route(try verb(StateFormats.route, &reader))
        case "nft": return .table(try verb(NftFormats.table, &reader))
        case "iptables":
            let (before, after) = try objects(IptablesFormats.side, &reader)
            guard let change = IptablesFormats.change(before: before, after: after), change.action == action else {
                throw reader.invalid("\(action) iptables needs before/after of one table to match", member: "action")
            }
            return .iptables(change)
        default: throw reader.invalid("unknown kind \(kind)", member: "kind")
        }
    }

    private func objects<T, D>(
        _ format: JSONObjectFormat<T, D>, _ reader: inout JSONTextReader
    ) throws(JSONReadError) -> (T?, T?) {
        func read(_ offset: Int?, _ key: String, _ reader: inout JSONTextReader) throws(JSONReadError) -> T? {
            guard let offset else { return nil }
            return try reader.reread(at: offset, member: key) { (reader: inout JSONTextReader) throws(JSONReadError) in
                try reader.read(format)
            }
        }
        return (try read(before, "before", &reader), try read(after, "after", &reader))
    }

    private func verb<T, D>(_ format: JSONObjectFormat<T, D>, _ reader: inout JSONTextReader) throws(JSONReadError) -> Verb<T> {
        switch (action, try objects(format, &reader)) {
        case let (.create, (nil, after?)): return .create(after)
        case let (.replace, (before?, after?)): return .replace(old: before, new: after)
        case let (.delete, (before?, nil)): return .delete(before)
        default: throw reader.invalid("\(action) \(kind) needs before/after to match", member: "action")
        }
    }
}

/// One side of a change, written with its kind's format.
enum ChangeObject {
    case link(VxlanLink)
    case address(DeviceAddress)
    case fdb(FdbEntry)
    case neighbor(Neighbor)
    case route(Route)
    case table(NftTable)
    case iptables(IptablesFormats.Side)

    func write(_ writer: inout JSONTextWriter) {
        switch self {
        case let .link(link): writer.write(link, as: StateFormats.vxlan)
        case let .address(address): writer.write(address, as: PlanFormats.deviceAddress)
        case let .fdb(entry): writer.write(entry, as: StateFormats.fdb)
        case let .neighbor(neighbor): writer.write(neighbor, as: StateFormats.neighbor)
        case let .route(route): writer.write(route, as: StateFormats.route)
        case let .table(table): writer.write(table, as: NftFormats.table)
        case let .iptables(side): writer.write(side, as: IptablesFormats.side)
        }
    }
}

extension Change {
    var sides: (before: ChangeObject?, after: ChangeObject?) {
        switch self {
        case let .createLink(link): (nil, .link(link))
        case let .modifyLink(old, new), let .recreateLink(old, new): (.link(old), .link(new))
        case let .deleteLink(link): (.link(link), nil)
        case let .address(verb): (verb.before.map(ChangeObject.address), verb.after.map(ChangeObject.address))
        case let .fdb(verb): (verb.before.map(ChangeObject.fdb), verb.after.map(ChangeObject.fdb))
        case let .neighbor(verb): (verb.before.map(ChangeObject.neighbor), verb.after.map(ChangeObject.neighbor))
        case let .route(verb): (verb.before.map(ChangeObject.route), verb.after.map(ChangeObject.route))
        case let .table(verb): (verb.before.map(ChangeObject.table), verb.after.map(ChangeObject.table))
        case let .iptables(change):
            { (sides: (before: IptablesFormats.Side?, after: IptablesFormats.Side?)) in
                (sides.before.map(ChangeObject.iptables), sides.after.map(ChangeObject.iptables))
            }(IptablesFormats.sides(of: change))
        }
    }
}
