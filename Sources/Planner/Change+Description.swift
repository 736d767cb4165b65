import NetState

extension Change: TextAppending {
    /// Terraform's symbol, the kind, and the object in iproute2 wording; a replace shows
    /// `old → new`. Written into the caller's buffer: a plan of 150,000 changes is one buffer,
    /// not a string per change and per object.
    public func append(to text: inout TextBuffer) {
        func line<T: TextAppending & Hashable & Sendable>(_ kind: StaticString, _ verb: Verb<T>) {
            switch verb {
            case let .create(object):
                text.append("+ ")
                text.append(kind)
                text.append(ascii: UInt8(ascii: " "))
                object.append(to: &text)
            case let .replace(old, new):
                text.append("~ ")
                text.append(kind)
                text.append(ascii: UInt8(ascii: " "))
                old.append(to: &text)
                text.append(" → ")
                new.append(to: &text)
            case let .delete(object):
                text.append("- ")
                text.append(kind)
                text.append(ascii: UInt8(ascii: " "))
                object.append(to: &text)
            }
        }
        switch self {
        case let .createLink(link): text.append("+ link \(link)")
        case let .modifyLink(old, new): text.append("~ link \(old) → \(new)")
        case let .recreateLink(old, new):
            text.append("-/+ link \(old) → \(new) (forces re-creation: \(Change.recreationReason(old: old, new: new)))")
        case let .deleteLink(link): text.append("- link \(link)")
        case let .address(verb): line("addr", verb)
        case let .fdb(verb): line("fdb", verb)
        case let .neighbor(verb): line("neigh", verb)
        case let .route(verb): line("route", verb)
        case let .table(verb):
            switch verb {
            case let .create(table): text.append("+ nft table \(table.key.family) \(table.key.name)")
            case let .replace(_, table): text.append("~ nft table \(table.key.family) \(table.key.name) (replaced in one transaction)")
            case let .delete(table): text.append("- nft table \(table.key.family) \(table.key.name)")
            }
        case let .iptables(change):
            let symbol = switch change.action {
            case .create: "+"
            case .delete: "-"
            default: "~"
            }
            text.append("\(symbol) \(IptablesNames.program(change.table)) -t \(IptablesNames.tableName(change.table)): ")
            if let layout = change.layout {
                text.append("flannel's rules as \(layout) writes them")
            } else if change.deletes.isEmpty && change.appends.isEmpty {
                let chains = change.deletedChains.map(NftRule.chainWord).joined(separator: ", ")
                text.append("flannel's chain\(change.deletedChains.count == 1 ? "" : "s") \(chains) removed (in one transaction)")
                return
            } else {
                text.append("flannel's rules removed")
            }
            text.append(" (\(change.deletes.count) to delete, \(change.appends.count) to append, in one transaction)")
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
