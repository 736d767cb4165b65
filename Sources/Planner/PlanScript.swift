import NetState

/// Renders a plan as the `ip` / `bridge` / `nft` commands that make the same changes, in the
/// same order: what an operator could run by hand, and a check that the plan is what it says.
///
/// Every value that is not a fixed word is passed through `ShellWord.quote`: interface names
/// come from snapshots and flags, and a script is run as root.
public enum PlanScript {
    public static func render(_ plan: Plan, header: String? = nil) -> String {
        var lines = ["#!/usr/bin/env bash"]
        if let header { lines += header.split(separator: "\n").map { "# \($0)" } }
        lines += ["set -euo pipefail", ""]
        for change in plan.changes {
            lines.append("# \(change.description.split(separator: "\n").first ?? "")")
            lines += commands(for: change)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public static func commands(for change: Change) -> [String] {
        switch change {
        case .createLink, .modifyLink, .recreateLink, .deleteLink:
            return linkCommands(for: change)
        case let .address(verb):
            switch verb {
            case let .create(address), let .replace(_, address):
                return ["\(ip(address.address.family))addr replace \(address.address) dev \(ShellWord.quote(address.device))"]
            case let .delete(address):
                return ["\(ip(address.address.family))addr del \(address.address) dev \(ShellWord.quote(address.device))"]
            }
        case let .fdb(verb):
            switch verb {
            case let .create(entry), let .replace(_, entry):
                return [command("bridge fdb replace ", entry.quotingDevice)]
            case let .delete(entry):
                let dst = entry.destination.map { " dst \($0)" } ?? ""
                return ["bridge fdb del \(entry.key.mac) dev \(ShellWord.quote(entry.key.device))\(dst)\(entry.isSelf ? " self" : "")"]
            }
        case let .neighbor(verb):
            switch verb {
            case let .create(neighbor), let .replace(_, neighbor):
                return [command(neighbor.key.family == .inet ? "ip neigh replace " : "ip -6 neigh replace ", neighbor.quotingDevice)]
            case let .delete(neighbor):
                return ["\(ip(neighbor.key.family))neigh del \(neighbor.key.ip) dev \(ShellWord.quote(neighbor.key.device))"]
            }
        case let .route(verb):
            switch verb {
            case let .create(route), let .replace(_, route):
                return [command(route.family == .inet ? "ip route replace " : "ip -6 route replace ", route.quotingDevice)]
            case let .delete(route):
                return [command(route.family == .inet ? "ip route del " : "ip -6 route del ", route.quotingDevice)]
            }
        case let .table(verb):
            return tableCommands(for: verb)
        case let .iptables(change):
            return iptablesCommands(for: change)
        }
    }

    /// flannel's iptables-mode rules: what comes in one `iptables-nft-restore --noflush` run
    /// (new chains, appended rules: one transaction that leaves every other rule alone), then
    /// what goes with `nft`, rule by rule by its kernel handle (never by its words: `-D` would
    /// take the first of two identical rules, and words that come from the kernel are not
    /// trusted inside a here-document), then flannel's chains no longer wanted. New before old,
    /// as in the plan. A rule to delete with no handle (a hand-written snapshot) is deleted by
    /// its words when it has plain ones; otherwise the script stops there.
    private static func iptablesCommands(for change: IptablesChange) -> [String] {
        let table = IptablesNames.tableName(change.table)
        let family = ShellWord.quote(change.table.family.description)
        let name = ShellWord.quote(change.table.name)
        var commands: [String] = []
        let newChains = change.newChains.filter { $0.hook == nil }.map { "-N \($0.name)" }
        let appends = change.appends.map { $0.rule.iptablesWords(chain: $0.chain) }
        let program = IptablesNames.program(change.table)
        commands += restore(program, table, newChains + appends)
        var byWords: [String] = []
        for rule in change.deletes {
            if let handle = rule.rule.handle {
                commands.append("nft delete rule \(family) \(name) \(ShellWord.quote(rule.chain)) handle \(handle)")
                continue
            }
            let words = rule.rule.iptablesWords(chain: rule.chain)
            if words.contains("[") {
                commands.append("false  # no handle, and no iptables words, to delete a rule of chain \(NftRule.chainWord(rule.chain)) by")
            } else {
                byWords.append("-D" + words.dropFirst(2))
            }
        }
        commands += restore(program, table, byWords)
        commands += change.deletedChains.map { "nft delete chain \(family) \(name) \(ShellWord.quote($0))" }
        return commands
    }

    /// One `iptables-nft-restore --noflush` (`ip6tables-nft-restore` for an `ip6` table)
    /// transaction of `lines` on `table`, none for no lines.
    private static func restore(_ program: String, _ table: String, _ lines: [String]) -> [String] {
        guard !lines.isEmpty else { return [] }
        let body = ["*\(table)"] + lines + ["COMMIT"]
        let delimiter = ShellWord.heredocDelimiter("IPTABLES", avoiding: body)
        return ["\(program)-nft-restore --noflush <<'\(delimiter)'"] + body + [delimiter]
    }

    /// `ip ` for IPv4 objects, `ip -6 ` for IPv6 ones: `ip` would tell the family from the
    /// address too, but `-6` says it to the reader and matches `ip -6 route` listings.
    private static func ip(_ family: AddressFamily) -> String { family == .inet ? "ip " : "ip -6 " }

    /// The vxlan device's commands.
    private static func linkCommands(for change: Change) -> [String] {
        switch change {
        case let .createLink(link):
            // accept_ra before the device comes up, as flanneld sets it right after creating it.
            let name = ShellWord.quote(link.name)
            return ["ip link add \(name) " + link.linkArguments.map(ShellWord.quote).joined(separator: " ")]
                + (link.acceptRA.map { [acceptRACommand(link, $0)] } ?? [])
                + ["ip link set \(name) \(link.up ? "up" : "down")"]
        case let .modifyLink(old, new):
            // Separate commands: the vxlan driver refuses an MTU beside its own attributes
            // ("Cannot change mtu").
            var commands: [String] = []
            let name = ShellWord.quote(new.name)
            if old.learning != new.learning {
                commands.append("ip link set \(name) type vxlan \(new.learning ? "learning" : "nolearning")")
            }
            if old.mtu != new.mtu { commands.append("ip link set \(name) mtu \(new.mtu)") }
            if let length = new.txQueueLength, old.txQueueLength != length {
                commands.append("ip link set dev \(name) txqueuelen \(length)")
            }
            if let value = new.acceptRA, old.acceptRA != value { commands.append(acceptRACommand(new, value)) }
            if old.up != new.up { commands.append("ip link set \(name) \(new.up ? "up" : "down")") }
            return commands
        case let .recreateLink(old, new):
            return ["ip link del \(ShellWord.quote(old.name))"] + linkCommands(for: .createLink(new))
        case let .deleteLink(link):
            return ["ip link del \(ShellWord.quote(link.name))"]
        default:
            return commands(for: change)
        }
    }

    /// `sysctl -w net.ipv6.conf.flannel/1.accept_ra=0`: `ip` has no word for it.
    private static func acceptRACommand(_ link: VxlanLink, _ value: Int32) -> String {
        "sysctl -w " + ShellWord.quote("\(link.acceptRASysctlName)=\(value)")
    }

    /// The nf_tables table, replaced or deleted in one `nft` run.
    private static func tableCommands(for verb: Verb<NftTable>) -> [String] {
        guard let key = verb.after?.key ?? verb.before?.key else { return [] }
        switch verb {
        case let .create(table), let .replace(_, table):
            // Declaring, deleting and re-declaring the table in one `nft -f` is one
            // transaction that works whether or not the table exists. The here-document's
            // delimiter is quoted (nothing in it is expanded) and equals no line of it.
            let name = "\(key.family) \(key.name)"
            let body = ["table \(name)", "delete table \(name)", table.description]
            let delimiter = ShellWord.heredocDelimiter("NFT", avoiding: body)
            return ["nft -f - <<'\(delimiter)'"] + body + [delimiter]
        case .delete:
            return ["nft delete table \(ShellWord.quote(key.family.description)) \(ShellWord.quote(key.name))"]
        }
    }

    /// A command line naming an object in iproute2's words, built in one buffer: a script
    /// from an empty node at 50,000 peers has 150,000 of them.
    private static func command(_ prefix: StaticString, _ object: some TextAppending) -> String {
        var text = TextBuffer(capacity: 96)
        text.append(prefix)
        object.append(to: &text)
        return text.string
    }
}

extension Route {
    /// This route with its device shell-quoted, for a command line built from its listing.
    fileprivate var quotingDevice: Route {
        var route = self
        route.device = device.map(ShellWord.quote)
        return route
    }
}

extension Neighbor {
    fileprivate var quotingDevice: Neighbor {
        var neighbor = self
        neighbor.key.device = ShellWord.quote(key.device)
        return neighbor
    }
}

extension FdbEntry {
    fileprivate var quotingDevice: FdbEntry {
        var entry = self
        entry.key.device = ShellWord.quote(key.device)
        return entry
    }
}
