import NetState

/// `diff(desired, observed)`: the minimal, ordered plan that turns the owned part of the
/// observed state into the desired state. Pure; the kernel is only ever seen as a value.
public enum Planner {
    public static func plan(desired: NetworkState, observed: NetworkState, ownership: Ownership) -> Plan {
        let owned = ownership.ownedPart(of: observed)
        var changes = Changes()
        var conflicts: [String] = []
        // Foreign objects sitting on a desired key: part of what the plan depends on.
        var relevant = owned

        // 1. The device. A re-created device comes back empty: what lived on it is re-added.
        var onDevice = owned
        switch (desired.vxlan, owned.vxlan) {
        case let (want?, nil):
            changes.link.append(.createLink(want))
        case let (want?, have?) where !want.canBeModified(from: have):
            changes.link.append(.recreateLink(old: have, new: want))
            onDevice = onDevice.droppingDevice(have.name)
        case let (want?, have?):
            var target = want
            target.mac = have.mac
            target.addresses = have.addresses
            if target != have { changes.link.append(.modifyLink(old: have, new: target)) }
        case let (nil, have?):
            changes.linkDeletes.append(.deleteLink(have))
        case (nil, nil):
            break
        }
        let wantAddresses = Set((desired.vxlan?.addresses ?? []).map {
            DeviceAddress(device: ownership.vxlanDevice, address: $0)
        })
        let haveAddresses = Set((onDevice.vxlan?.addresses ?? []).map {
            DeviceAddress(device: ownership.vxlanDevice, address: $0)
        })
        changes.link += wantAddresses.subtracting(haveAddresses).sorted().map { .address(.create($0)) }
        if desired.vxlan != nil || owned.vxlan == nil {
            changes.linkDeletes.insert(
                contentsOf: haveAddresses.subtracting(wantAddresses).sorted().map { .address(.delete($0)) }, at: 0
            )
        }

        // 2./3. Per-object maps, make before break.
        func diff<Key: Comparable, Object>(
            _ want: [Key: Object], _ have: [Key: Object], all: [Key: Object],
            mayReplace: (Object) -> Bool, wrap: (Verb<Object>) -> Change,
            creates: inout [Change], deletes: inout [Change], relevant: inout [Key: Object]
        ) {
            for key in want.keys.sorted() {
                guard let object = want[key] else { continue }
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
        // A device about to be re-created holds nothing worth replacing in place.
        let recreating = changes.link.contains { if case .recreateLink = $0 { true } else { false } }
        let observedOnDevice = recreating ? observed.droppingDevice(ownership.vxlanDevice) : observed
        diff(
            desired.fdb, onDevice.fdb, all: observedOnDevice.fdb, mayReplace: { $0.key.device == ownership.vxlanDevice },
            wrap: { .fdb($0) }, creates: &changes.fdb, deletes: &changes.fdbDeletes, relevant: &relevant.fdb
        )
        // Neighbours the kernel learnt on our own device (an `incomplete` entry for S.0 that
        // traffic created first) are replaced by the permanent entry, as flannel's NeighSet does.
        diff(
            desired.neighbors, onDevice.neighbors, all: observedOnDevice.neighbors,
            mayReplace: { $0.key.device == ownership.vxlanDevice },
            wrap: { .neighbor($0) }, creates: &changes.neighbors, deletes: &changes.neighborDeletes,
            relevant: &relevant.neighbors
        )
        diff(
            desired.routes, onDevice.routes, all: observedOnDevice.routes, mayReplace: { _ in false },
            wrap: { .route($0) }, creates: &changes.routes, deletes: &changes.routeDeletes, relevant: &relevant.routes
        )

        // 5. The nf_tables table, atomically.
        for key in Set(desired.tables.keys).union(owned.tables.keys).sorted() {
            switch (desired.tables[key], owned.tables[key]) {
            case let (want?, nil): changes.tables.append(.table(.create(want)))
            case let (want?, have?) where want != have: changes.tables.append(.table(.replace(old: have, new: want)))
            case let (nil, have?): changes.tables.append(.table(.delete(have)))
            default: break
            }
        }

        return Plan(
            changes: changes.ordered, fingerprint: Fingerprint.of(relevant), conflicts: conflicts, ownership: ownership
        )
    }

    /// Changes grouped by plan step; `ordered` is DESIGN.md's make-before-break order.
    private struct Changes {
        var link: [Change] = []
        var fdb: [Change] = []
        var neighbors: [Change] = []
        var routes: [Change] = []
        var routeDeletes: [Change] = []
        var neighborDeletes: [Change] = []
        var fdbDeletes: [Change] = []
        var linkDeletes: [Change] = []
        var tables: [Change] = []

        var ordered: [Change] {
            link + fdb + neighbors + routes + routeDeletes + neighborDeletes + fdbDeletes + linkDeletes + tables
        }
    }
}

extension NetworkState {
    /// The state as it is once `device` is deleted: the kernel removes its addresses,
    /// neighbours, FDB entries and the routes through it.
    func droppingDevice(_ device: String) -> NetworkState {
        var state = self
        if state.vxlan?.name == device { state.vxlan = nil }
        state.routes = state.routes.filter { $0.value.device != device }
        state.neighbors = state.neighbors.filter { $0.key.device != device }
        state.fdb = state.fdb.filter { $0.key.device != device }
        return state
    }
}
