import NetState
import Planner

/// The planner as it was before it walked (key, value) pairs: the owned part and the relevant
/// state built as whole `NetworkState`s, every key set sorted, each key looked up where needed.
/// Ownership is `ReferenceOwnership`'s: a learnt neighbour or FDB entry on the vxlan device on
/// a desired key is replaced, unless it is a skipped peer's (then it is a conflict); a desired
/// object the rule does not grant is a conflict too, and what holds its key stays.
/// Slow but plain, it is the oracle the fast planner must match change for change, conflict for
/// conflict, and (through `Fingerprint.of`) fingerprint for fingerprint.
enum ReferencePlanner {
    struct Result {
        var changes: [Change]
        var conflicts: [String]
        /// What the plan depends on: the owned objects and the foreign ones on desired keys.
        var relevant: NetworkState
    }

    static func plan(desired: NetworkState, observed: NetworkState, ownership: Ownership) -> Result {
        // The contract in the tests' own words, not `Ownership.owns`.
        let rule = ReferenceOwnership(ownership, observed: observed)
        let owned = rule.ownedPart(of: observed)
        var link: [Change] = [], linkDeletes: [Change] = [], tables: [Change] = []
        var fdb: [Change] = [], fdbDeletes: [Change] = []
        var neighbors: [Change] = [], neighborDeletes: [Change] = []
        var routes: [Change] = [], routeDeletes: [Change] = []
        var conflicts: [String] = []
        var relevant = owned

        var onDevice = owned
        var addresses: [Change] = [], addressDeletes: [Change] = []
        var recreated: [String] = []
        for (slot, name) in [(\NetworkState.vxlan, ownership.vxlanDevice), (\NetworkState.vxlan6, ownership.vxlan6Device)] {
            switch (desired[keyPath: slot], owned[keyPath: slot]) {
            case let (want?, nil):
                link.append(.createLink(want))
            case let (want?, have?) where !want.canBeModified(from: have):
                link.append(.recreateLink(old: have, new: want))
                onDevice = dropping(have.name, from: onDevice)
                recreated.append(have.name)
            case let (want?, have?):
                var target = want
                target.mac = have.mac
                target.addresses = have.addresses
                // Unknown on either side (IPv6 off, an old snapshot) is never a difference.
                if want.txQueueLength == nil || have.txQueueLength == nil { target.txQueueLength = have.txQueueLength }
                if want.acceptRA == nil || have.acceptRA == nil { target.acceptRA = have.acceptRA }
                if target != have { link.append(.modifyLink(old: have, new: target)) }
            case let (nil, have?):
                linkDeletes.append(.deleteLink(have))
            case (nil, nil):
                break
            }
            let wantAddresses = Set((desired[keyPath: slot]?.addresses ?? []).map { DeviceAddress(device: name, address: $0) })
            let haveAddresses = Set((onDevice[keyPath: slot]?.addresses ?? []).map { DeviceAddress(device: name, address: $0) })
            addresses += wantAddresses.subtracting(haveAddresses).map { .address(.create($0)) }
            if desired[keyPath: slot] != nil || owned[keyPath: slot] == nil {
                addressDeletes += haveAddresses.subtracting(wantAddresses).map { .address(.delete($0)) }
            }
        }
        func byAddress(_ a: Change, _ b: Change) -> Bool {
            guard case let .address(x) = a, case let .address(y) = b, let p = x.after ?? x.before, let q = y.after ?? y.before
            else { return false }
            return p < q
        }
        link += addresses.sorted(by: byAddress)
        linkDeletes.insert(contentsOf: addressDeletes.sorted(by: byAddress), at: 0)

        func diff<Map: KeyedStore>(
            _ want: Map, _ have: Map, all: Map, owns: (Map.Object) -> Bool,
            mayReplace: (Map.Object) -> Bool, wrap: (Verb<Map.Object>) -> Change,
            creates: inout [Change], deletes: inout [Change], relevant: inout Map
        ) where Map.Object: Equatable {
            for key in want.keys.sorted() {
                guard let object = want[key] else { continue }
                // Not ours to write (a skipped peer's PublicIP or MAC): left, whatever is there.
                if !owns(object) {
                    if have[key] == nil, let foreign = all[key] { relevant[key] = foreign }
                    conflicts.append("\(object) is not created: the ownership contract protects it (a skipped peer's)")
                    continue
                }
                if let existing = have[key] {
                    if existing != object { creates.append(wrap(.replace(old: existing, new: object))) }
                } else if let foreign = all[key] {
                    relevant[key] = foreign
                    if mayReplace(foreign) {
                        creates.append(wrap(.replace(old: foreign, new: object)))
                    } else {
                        conflicts.append("\(object) is not created: a foreign object holds its key: \(foreign)")
                    }
                } else {
                    creates.append(wrap(.create(object)))
                }
            }
            for key in have.keys.sorted() where want[key] == nil {
                if let object = have[key] { deletes.append(wrap(.delete(object))) }
            }
        }
        var observedOnDevice = observed
        for name in recreated { observedOnDevice = dropping(name, from: observedOnDevice) }
        diff(
            desired.fdb, onDevice.fdb, all: observedOnDevice.fdb, owns: rule.owns,
            mayReplace: { ownership.isVxlanDevice($0.key.device) && !rule.isSkippedPeers($0) },
            wrap: { .fdb($0) }, creates: &fdb, deletes: &fdbDeletes, relevant: &relevant.fdb
        )
        diff(
            desired.neighbors, onDevice.neighbors, all: observedOnDevice.neighbors, owns: rule.owns,
            mayReplace: { [rule.vxlanDevice, rule.vxlan6Device].contains($0.key.device) && rule.familyOfDevice($0) && !rule.isSkippedPeers($0) },
            wrap: { .neighbor($0) }, creates: &neighbors, deletes: &neighborDeletes, relevant: &relevant.neighbors
        )
        diff(
            desired.routes, onDevice.routes, all: observedOnDevice.routes, owns: rule.owns, mayReplace: { _ in false },
            wrap: { .route($0) }, creates: &routes, deletes: &routeDeletes, relevant: &relevant.routes
        )
        for key in Set(desired.tables.keys).union(owned.tables.keys).sorted() {
            switch (desired.tables[key], owned.tables[key]) {
            case let (want?, nil): tables.append(.table(.create(want)))
            case let (want?, have?) where want != have: tables.append(.table(.replace(old: have, new: want)))
            case let (nil, have?): tables.append(.table(.delete(have)))
            default: break
            }
        }
        let changes = link + fdb + neighbors + routes + routeDeletes + neighborDeletes + fdbDeletes + linkDeletes + tables
        return Result(changes: changes, conflicts: conflicts, relevant: relevant)
    }

    /// The state once `device` is deleted: the kernel removes what hangs on it.
    static func dropping(_ device: String, from state: NetworkState) -> NetworkState {
        var state = state
        if state.vxlan?.name == device { state.vxlan = nil }
        if state.vxlan6?.name == device { state.vxlan6 = nil }
        state.routes = state.routes.filter { $0.value.device != device }
        state.neighbors = state.neighbors.filter { $0.key.device != device }
        state.fdb = state.fdb.filter { $0.key.device != device }
        return state
    }
}
