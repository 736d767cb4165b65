import NetState

extension Change: CustomStringConvertible {
    /// Terraform's symbol, the kind, and the object in iproute2 wording; a replace shows
    /// `old → new`.
    public var description: String {
        func line<T: CustomStringConvertible & Hashable & Sendable & Codable>(_ kind: String, _ verb: Verb<T>) -> String {
            switch verb {
            case let .create(object): "+ \(kind) \(object)"
            case let .replace(old, new): "~ \(kind) \(old) → \(new)"
            case let .delete(object): "- \(kind) \(object)"
            }
        }
        switch self {
        case let .createLink(link): return "+ link \(link)"
        case let .modifyLink(old, new): return "~ link \(old) → \(new)"
        case let .recreateLink(old, new):
            return "-/+ link \(old) → \(new) (forces re-creation: \(Change.recreationReason(old: old, new: new)))"
        case let .deleteLink(link): return "- link \(link)"
        case let .address(verb): return line("addr", verb)
        case let .fdb(verb): return line("fdb", verb)
        case let .neighbor(verb): return line("neigh", verb)
        case let .route(verb): return line("route", verb)
        case let .table(verb):
            switch verb {
            case let .create(table): return "+ nft table \(table.key.family) \(table.key.name)"
            case let .replace(_, table): return "~ nft table \(table.key.family) \(table.key.name) (replaced in one transaction)"
            case let .delete(table): return "- nft table \(table.key.family) \(table.key.name)"
            }
        }
    }

    /// Which attributes the kernel cannot change in place.
    static func recreationReason(old: VxlanLink, new: VxlanLink) -> String {
        var reasons: [String] = []
        if old.vni != new.vni { reasons.append("id \(old.vni) → \(new.vni)") }
        if old.local != new.local {
            reasons.append("local \(old.local?.description ?? "none") → \(new.local?.description ?? "none")")
        }
        if old.underlay != new.underlay {
            reasons.append("dev \(old.underlay ?? "none") → \(new.underlay ?? "none")")
        }
        if old.port != new.port { reasons.append("dstport \(old.port) → \(new.port)") }
        if old.gbp != new.gbp { reasons.append("gbp \(old.gbp) → \(new.gbp)") }
        if let mac = new.mac, old.mac != mac {
            reasons.append("address \(old.mac?.description ?? "none") → \(mac), peers' FDB entries name the lease's VtepMAC")
        }
        return reasons.joined(separator: ", ")
    }
}
