import NetState
import Planner

/// A pure model of how the kernel answers each change, strict where the planner must be
/// exact: a create on a taken key is `EEXIST`, a replace or delete of a value that is not there
/// (or not the value the plan says it replaces) is refused. Deleting a link takes its addresses,
/// neighbours, FDB entries and every route through it (in any table) with it, and setting it down
/// flushes the routes through it, as the kernel does.
enum KernelModel {
    struct Refusal: Error, CustomStringConvertible {
        var change: Change
        var reason: String
        var description: String { "\(reason): \(change)" }
    }

    /// The MAC the kernel picks for a device created without one.
    static let generatedMAC = MACAddress(0x02fe_edfa_ce01)

    static func apply(_ changes: [Change], to state: inout NetworkState) throws(Refusal) {
        for change in changes { try apply(change, to: &state) }
    }

    /// Where a vxlan device of this name lives in the state: the IPv6 one in `vxlan6`.
    static func slot(_ name: String) -> WritableKeyPath<NetworkState, VxlanLink?> {
        name.hasPrefix("flannel-v6.") ? \.vxlan6 : \.vxlan
    }

    static func apply(_ change: Change, to state: inout NetworkState) throws(Refusal) {
        func refuse(_ reason: String) -> Refusal { Refusal(change: change, reason: reason) }
        /// Devices other than the vxlan devices (eth0, cni0, …) are assumed to exist.
        func deviceUsable(_ name: String?, needsUp: Bool) -> Bool {
            guard let name, name.hasPrefix("flannel.") || name.hasPrefix("flannel-v6.") else { return true }
            guard let link = state[keyPath: slot(name)], link.name == name else { return false }
            return !needsUp || link.up
        }
        func perform<Map: KeyedStore>(
            _ verb: Verb<Map.Object>, key: (Map.Object) -> Map.Key, in map: inout Map
        ) throws(Refusal) where Map.Object: Equatable {
            switch verb {
            case let .create(object):
                guard map[key(object)] == nil else { throw refuse("EEXIST") }
                map[key(object)] = object
            case let .replace(old, new):
                guard key(old) == key(new) else { throw refuse("replace changes the key") }
                guard let current = map[key(old)] else { throw refuse("ENOENT on replace") }
                guard current == old else { throw refuse("replace of a value that is not there: \(current)") }
                map[key(new)] = new
            case let .delete(object):
                guard let current = map[key(object)] else { throw refuse("ENOENT on delete") }
                guard current == object else { throw refuse("delete of a value that is not there: \(current)") }
                map[key(object)] = nil
            }
        }

        switch change {
        case let .createLink(link):
            let slot = slot(link.name)
            guard state[keyPath: slot] == nil else { throw refuse("EEXIST: a device \(state[keyPath: slot]?.name ?? "") exists") }
            var created = link
            created.addresses = []
            created.mac = link.mac ?? generatedMAC
            state[keyPath: slot] = created
        case let .modifyLink(old, new):
            guard let current = state[keyPath: slot(new.name)], current.name == new.name, old.name == new.name else {
                throw refuse("ENODEV")
            }
            guard current == old else { throw refuse("modify of a device that is not there: \(current)") }
            guard new.canBeModified(from: current), new.mac == current.mac else {
                throw refuse("EOPNOTSUPP: the kernel cannot change this in place")
            }
            var modified = current
            modified.mtu = new.mtu
            modified.learning = new.learning
            modified.up = new.up
            modified.txQueueLength = new.txQueueLength
            modified.acceptRA = new.acceptRA
            state[keyPath: slot(new.name)] = modified
            if !new.up { state.routes = state.routes.filter { $0.value.device != new.name } }
        case let .recreateLink(old, new):
            try apply(.deleteLink(old), to: &state)
            try apply(.createLink(new), to: &state)
        case let .deleteLink(link):
            guard let current = state[keyPath: slot(link.name)], current.name == link.name else { throw refuse("ENODEV") }
            guard current == link else { throw refuse("delete of a device that is not there: \(current)") }
            state[keyPath: slot(link.name)] = nil
            state.routes = state.routes.filter { $0.value.device != link.name }
            state.neighbors = state.neighbors.filter { $0.key.device != link.name }
            state.fdb = state.fdb.filter { $0.key.device != link.name }
        case let .address(verb):
            let device = (verb.after ?? verb.before)?.device ?? ""
            guard var link = state[keyPath: slot(device)], link.name == device else { throw refuse("ENODEV") }
            var addresses = Dictionary(link.addresses.map { ($0, DeviceAddress(device: device, address: $0)) }) { a, _ in a }
            try perform(verb, key: \.address, in: &addresses)
            link.addresses = addresses.keys.sorted()
            state[keyPath: slot(device)] = link
        case let .fdb(verb):
            guard deviceUsable((verb.after ?? verb.before)?.key.device, needsUp: false) else { throw refuse("ENODEV") }
            try perform(verb, key: \.key, in: &state.fdb)
        case let .neighbor(verb):
            guard deviceUsable((verb.after ?? verb.before)?.key.device, needsUp: false) else { throw refuse("ENODEV") }
            try perform(verb, key: \.key, in: &state.neighbors)
        case let .route(verb):
            if let after = verb.after, !deviceUsable(after.device, needsUp: true) {
                throw refuse("ENETDOWN/ENODEV: \(after.device ?? "") is not an up device")
            }
            try perform(verb, key: \.key, in: &state.routes)
        case let .table(verb):
            try perform(verb, key: \.key, in: &state.tables)
        case let .iptables(iptables):
            try apply(iptables, to: &state, refuse: refuse)
        }
    }

    /// One nf_tables transaction on a shared table, as the kernel runs it: the table and chains
    /// created (`EEXIST` for a chain that exists), rules deleted by handle (`ENOENT`), rules
    /// appended to chains that exist with fresh handles, chains deleted only when empty and not
    /// jumped to (`EBUSY`).
    static func apply(_ change: IptablesChange, to state: inout NetworkState, refuse: (String) -> Refusal) throws(Refusal) {
        var table = state.tables[change.table] ?? NftTable(key: change.table, chains: [])
        if state.tables[change.table] == nil && !change.createsTable { throw refuse("ENOENT: no table \(change.table.name)") }
        var nextHandle = (table.chains.flatMap(\.rules).compactMap(\.handle).max() ?? 0) + 1
        for chain in change.newChains {
            guard !table.chains.contains(where: { $0.name == chain.name }) else { throw refuse("EEXIST: chain \(chain.name)") }
            table.chains.append(NftChain(name: chain.name, hook: chain.hook, rules: []))
        }
        for rule in change.deletes {
            guard let chain = table.chains.firstIndex(where: { $0.name == rule.chain }),
                  let handle = rule.rule.handle,
                  let index = table.chains[chain].rules.firstIndex(where: { $0.handle == handle })
            else { throw refuse("ENOENT: rule \(rule.rule) in \(rule.chain)") }
            table.chains[chain].rules.remove(at: index)
        }
        for rule in change.appends {
            guard let chain = table.chains.firstIndex(where: { $0.name == rule.chain }) else {
                throw refuse("ENOENT: chain \(rule.chain)")
            }
            if case let .jump(target) = rule.rule.verdict, !table.chains.contains(where: { $0.name == target }) {
                throw refuse("ENOENT: jump to a missing chain \(target)")
            }
            var added = rule.rule
            added.handle = nextHandle
            nextHandle += 1
            table.chains[chain].rules.append(added)
        }
        for name in change.deletedChains {
            guard let chain = table.chains.firstIndex(where: { $0.name == name }) else { throw refuse("ENOENT: chain \(name)") }
            let referenced = table.chains.flatMap(\.rules).contains { $0.verdict == .jump(name) || $0.verdict == .goto(name) }
            guard table.chains[chain].rules.isEmpty, !referenced else { throw refuse("EBUSY: chain \(name)") }
            table.chains.remove(at: chain)
        }
        state.tables[change.table] = table
    }
}
