import NetState

/// `diff(desired, observed)`: the minimal, ordered plan that turns the owned part of the
/// observed state into the desired state. Pure; the kernel is only ever seen as a value.
public enum Planner {
    public static func plan(desired: NetworkState, observed: NetworkState, ownership: Ownership) -> Plan {
        let ownership = ownership.protectingLearntMACs(in: observed)
        // The owned part of `observed` is never built as a state of its own: each table is
        // walked once, asking `ownership` object by object. The fingerprint takes in the owned
        // objects, and the foreign objects sitting on a desired key (part of what the plan
        // depends on), as the walks meet them.
        var fingerprint = FingerprintDigest()
        var changes = Changes()
        let ownedLink = observed.vxlan.flatMap { ownership.owns($0) ? $0 : nil }
        let ownedLink6 = observed.vxlan6.flatMap { ownership.owns($0) ? $0 : nil }
        fingerprint.add(link: ownedLink)
        fingerprint.add(link6: ownedLink6)

        // 1. The devices. A re-created device comes back empty: what lived on it is re-added.
        var recreated: Set<String> = []
        if planDevice(desired.vxlan, ownedLink, device: ownership.vxlanDevice, into: &changes) {
            recreated.insert(ownership.vxlanDevice)
        }
        if planDevice(desired.vxlan6, ownedLink6, device: ownership.vxlan6Device, into: &changes) {
            recreated.insert(ownership.vxlan6Device)
        }

        // 2./3. Per-object tables, make before break. A device about to be re-created holds
        // nothing worth replacing in place: what hangs on it counts as gone.
        // A skipped peer's entry on a desired key (a desired peer's FDB entry still pointing at
        // a skipped peer's PublicIP) is a conflict, never replaced: the executor refuses it, and
        // one refused change would refuse the whole plan.
        let fdb = KeyedDiff(
            want: desired.fdb, observed: observed.fdb, owns: ownership.owns,
            gone: { !recreated.isEmpty && recreated.contains($0.key.device) },
            mayReplace: ownership.mayReplace, wrap: { .fdb($0) }, fold: { fingerprint.add($0) }
        )
        // Neighbours the kernel learnt on our own device (an `incomplete` entry for S.0 that
        // traffic created first) are replaced by the permanent entry, as flannel's NeighSet does.
        let neighbors = KeyedDiff(
            want: desired.neighbors, observed: observed.neighbors, owns: ownership.owns,
            gone: { !recreated.isEmpty && recreated.contains($0.key.device) }, mayReplace: ownership.mayReplace,
            wrap: { .neighbor($0) }, fold: { fingerprint.add($0) }
        )
        let routes = KeyedDiff(
            want: desired.routes, observed: observed.routes, owns: ownership.owns,
            gone: { route in !recreated.isEmpty && route.device.map(recreated.contains) == true }, mayReplace: { _ in false },
            wrap: { .route($0) }, fold: { fingerprint.add($0) }
        )
        (changes.fdb, changes.fdbDeletes) = (fdb.creates, fdb.deletes)
        (changes.neighbors, changes.neighborDeletes) = (neighbors.creates, neighbors.deletes)
        (changes.routes, changes.routeDeletes) = (routes.creates, routes.deletes)
        let conflicts = fdb.conflicts + neighbors.conflicts + routes.conflicts

        // 5. The nf_tables table and flannel's iptables-mode rules, each atomically. What is
        // created or rewritten comes before what is removed, so switching between the two modes
        // never leaves a moment without MASQUERADE rules.
        let ownedTables = observed.tables.filter { ownership.owns($0.key) }
        for table in ownedTables.values { fingerprint.add(table) }
        var tableDeletes: [Change] = []
        for key in Set(desired.tables.keys).union(ownedTables.keys).sorted() {
            switch (desired.tables[key], ownedTables[key]) {
            case let (want?, nil): changes.tables.append(.table(.create(want)))
            case let (want?, have?) where want != have: changes.tables.append(.table(.replace(old: have, new: want)))
            case let (nil, have?): tableDeletes.append(.table(.delete(have)))
            default: break
            }
        }
        for change in IptablesPlanner.changes(
            desired: desired.iptables, observed: observed.tables, ownership: ownership, fingerprint: &fingerprint
        ) {
            if change.action == .delete { tableDeletes.append(change) } else { changes.tables.append(change) }
        }
        changes.tables += tableDeletes

        return Plan(changes: changes.ordered, fingerprint: fingerprint.text, conflicts: conflicts, ownership: ownership)
    }

    /// Step 1: the device and its addresses. Returns whether the device is re-created (then
    /// everything that hung on it counts as gone).
    private static func planDevice(
        _ want: VxlanLink?, _ have: VxlanLink?, device: String, into changes: inout Changes
    ) -> Bool {
        var recreating = false
        switch (want, have) {
        case let (want?, nil):
            changes.link.append(.createLink(want))
        case let (want?, have?) where !want.canBeModified(from: have):
            changes.link.append(.recreateLink(old: have, new: want))
            recreating = true
        case let (want?, have?):
            // In place: what can change, and only what is known on both sides.
            var target = have.settingKnownFields(of: want)
            target.learning = want.learning
            target.mtu = want.mtu
            target.up = want.up
            if target != have { changes.link.append(.modifyLink(old: have, new: target)) }
        case let (nil, have?):
            changes.linkDeletes.append(.deleteLink(have))
        case (nil, nil):
            break
        }
        let wantAddresses = Set((want?.addresses ?? []).map { DeviceAddress(device: device, address: $0) })
        let haveAddresses = Set(((recreating ? nil : have)?.addresses ?? []).map { DeviceAddress(device: device, address: $0) })
        changes.addresses += wantAddresses.subtracting(haveAddresses).map { .address(.create($0)) }
        if want != nil || have == nil {
            changes.addressDeletes += haveAddresses.subtracting(wantAddresses).map { .address(.delete($0)) }
        }
        return recreating
    }

    /// Changes grouped by plan step; `ordered` is DESIGN.md's make-before-break order.
    private struct Changes {
        /// Both devices' link changes, IPv4's first, then their addresses: a device's address
        /// needs the device, and sorted across devices the step reads as one list.
        var link: [Change] = []
        var addresses: [Change] = []
        var fdb: [Change] = []
        var neighbors: [Change] = []
        var routes: [Change] = []
        var routeDeletes: [Change] = []
        var neighborDeletes: [Change] = []
        var fdbDeletes: [Change] = []
        var addressDeletes: [Change] = []
        var linkDeletes: [Change] = []
        var tables: [Change] = []

        var ordered: [Change] {
            var all: [Change] = []
            let addresses = Self.sortedAddresses(addresses), addressDeletes = Self.sortedAddresses(addressDeletes)
            all.reserveCapacity(
                link.count + addresses.count + fdb.count + neighbors.count + routes.count + routeDeletes.count
                    + neighborDeletes.count + fdbDeletes.count + addressDeletes.count + linkDeletes.count + tables.count
            )
            for step in [
                link, addresses, fdb, neighbors, routes, routeDeletes, neighborDeletes, fdbDeletes, addressDeletes, linkDeletes,
                tables,
            ] {
                all += step
            }
            return all
        }

        private static func sortedAddresses(_ changes: [Change]) -> [Change] {
            changes.sorted { a, b in
                guard case let .address(x) = a, case let .address(y) = b, let p = x.after ?? x.before, let q = y.after ?? y.before
                else { return false }
                return p < q
            }
        }
    }
}
