import NetState
import Planner
import Testing

/// The planner against a model of the kernel, over many random desired and observed states.
/// Every failure message starts with the seed: `RandomScenario(seed:)` replays it.
@Suite struct PlannerPropertyTests {
    static let iterations: UInt64 = 2_000
    static let firstSeed: UInt64 = 0x5eed_0000

    @Test func planningConvergesAndLeavesForeignObjectsAlone() {
        var failures: [String] = []
        var statistics = Statistics()
        for seed in Self.firstSeed..<(Self.firstSeed + Self.iterations) {
            let scenario = RandomScenario(seed: seed)
            let problems = Self.check(scenario, &statistics)
            if !problems.isEmpty { failures.append("seed \(seed):\n  " + problems.joined(separator: "\n  ")) }
        }
        for failure in failures.prefix(5) { Issue.record(Comment(rawValue: failure)) }
        print("planner property: seeds \(Self.firstSeed)..<\(Self.firstSeed + Self.iterations), \(failures.count) failed; \(statistics)")
        #expect(failures.isEmpty, "\(failures.count) of \(Self.iterations) seeds failed: \(failures.joined(separator: "\n"))")
        // The generator must actually reach the interesting cases, or the property proves little.
        #expect(statistics.recreated > 20, "\(statistics)")
        #expect(statistics.modified > 20, "\(statistics)")
        #expect(statistics.deletedLink > 20, "\(statistics)")
        #expect(statistics.createdLink > 20, "\(statistics)")
        #expect(statistics.routeReplaces > 50, "\(statistics)")
        #expect(statistics.foreignReplaced > 10, "\(statistics)")
        #expect(statistics.withConflicts > 10, "\(statistics)")
        #expect(statistics.foreignGoneWithLink > 5, "\(statistics)")
        #expect(statistics.converged > 5, "\(statistics)")
        #expect(statistics.foreignObjects > 15 * Int(Self.iterations), "\(statistics)")
        #expect(statistics.defaultRoutes > Int(Self.iterations) / 2, "\(statistics)")
        #expect(statistics.foreignOnDesiredRouteKey > 200, "\(statistics)")
        #expect(statistics.skippedObjects > 1_000, "\(statistics)")
        #expect(statistics.skippedOnDesiredKey > 20, "\(statistics)")
        #expect(statistics.learntMACsOnly > 50, "\(statistics)")
        #expect(statistics.extraLengthOwned > 50, "\(statistics)")
        #expect(statistics.protectedDesired > 50, "\(statistics)")
    }

    struct Statistics: CustomStringConvertible {
        var recreated = 0, modified = 0, deletedLink = 0, createdLink = 0, routeReplaces = 0
        var foreignReplaced = 0, withConflicts = 0, foreignGoneWithLink = 0, converged = 0
        /// Foreign objects in the observed kernels, default routes among them, foreign routes on
        /// a desired key.
        var foreignObjects = 0, defaultRoutes = 0, foreignOnDesiredRouteKey = 0
        /// Skipped peers' objects in the kernel; those on a desired key; FDB entries that only
        /// the MAC of a skipped peer's neighbour protects; owned routes of the second length.
        var skippedObjects = 0, skippedOnDesiredKey = 0, learntMACsOnly = 0, extraLengthOwned = 0
        /// Desired routes created by the second pass (see `check`); desired FDB entries the
        /// contract protects.
        var lateRoutes = 0, lateFdb = 0, protectedDesired = 0
        var description: String {
            "recreated \(recreated), modified \(modified), deletedLink \(deletedLink), createdLink \(createdLink), "
                + "routeReplaces \(routeReplaces), foreignReplaced \(foreignReplaced), withConflicts \(withConflicts), "
                + "foreignGoneWithLink \(foreignGoneWithLink), converged \(converged), foreignObjects \(foreignObjects), "
                + "defaultRoutes \(defaultRoutes), foreignOnDesiredRouteKey \(foreignOnDesiredRouteKey), "
                + "skippedObjects \(skippedObjects), skippedOnDesiredKey \(skippedOnDesiredKey), "
                + "learntMACsOnly \(learntMACsOnly), extraLengthOwned \(extraLengthOwned), lateRoutes \(lateRoutes), lateFdb \(lateFdb), "
                + "protectedDesired \(protectedDesired)"
        }
    }

    /// Returns what is wrong with the plan for one scenario, empty when nothing is.
    /// `mutate` lets the test break the plan on purpose, to show the checks catch it.
    ///
    /// Ownership is decided by `ReferenceOwnership` (DESIGN.md's rule in the test's words);
    /// `Ownership` is only checked against it.
    static func check(
        _ scenario: RandomScenario, _ statistics: inout Statistics, mutate: (Plan) -> Plan = { $0 }
    ) -> [String] {
        let ownership = scenario.ownership
        let desired = scenario.desired, observed = scenario.observed
        let plan = mutate(Planner.plan(desired: desired, observed: observed, ownership: ownership))
        let oracle = ReferenceOwnership(ownership, observed: observed)
        var problems: [String] = []
        let devices = [PF.device, IPv6Image.device]
        func isOurDevice(_ name: String) -> Bool { devices.contains(name) }

        // The contract and the oracle agree on every observed object, and every object the
        // generator built as foreign is foreign.
        let contract = ownership.protectingLearntMACs(in: observed)
        for route in observed.routes.values where contract.owns(route) != oracle.owns(route) {
            problems.append("Ownership.owns says \(contract.owns(route)), the rule says \(oracle.owns(route)): route \(route)")
        }
        for neighbor in observed.neighbors.values where contract.owns(neighbor) != oracle.owns(neighbor) {
            problems.append("Ownership.owns says \(contract.owns(neighbor)), the rule says \(oracle.owns(neighbor)): neighbour \(neighbor)")
        }
        for entry in observed.fdb.values where contract.owns(entry) != oracle.owns(entry) {
            problems.append("Ownership.owns says \(contract.owns(entry)), the rule says \(oracle.owns(entry)): fdb \(entry)")
        }
        for key in observed.tables.keys where contract.owns(key) != oracle.owns(key) { problems.append("table \(key) ownership differs") }
        let built = scenario.builtForeign
        for route in built.routes.values where oracle.owns(route) { problems.append("built as foreign but owned: \(route)") }
        for neighbor in built.neighbors.values where oracle.owns(neighbor) { problems.append("built as foreign but owned: \(neighbor)") }
        for entry in built.fdb.values where oracle.owns(entry) { problems.append("built as foreign but owned: \(entry)") }
        for key in built.tables.keys where oracle.owns(key) { problems.append("built as foreign but owned: \(key)") }
        if plan.ownership.skipped.subnets != ownership.skipped.subnets || !plan.ownership.skipped.macs.isSuperset(of: ownership.skipped.macs) {
            problems.append("the plan's contract lost skipped objects: \(plan.ownership.skipped)")
        }

        let foreign = oracle.foreignPart(of: observed)
        let owned = oracle.ownedPart(of: observed)
        statistics.foreignObjects += foreign.objectCount
        statistics.defaultRoutes += foreign.routes.keys.count { $0.destination.length == 0 }
        statistics.foreignOnDesiredRouteKey += foreign.routes.keys.count { desired.routes[$0] != nil }
        statistics.skippedObjects += observed.routes.values.count(where: oracle.isSkippedPeers)
            + observed.neighbors.values.count(where: oracle.isSkippedPeers) + observed.fdb.values.count(where: oracle.isSkippedPeers)
        statistics.learntMACsOnly += observed.fdb.values.count {
            ownership.owns($0) && !oracle.owns($0)
        }
        statistics.extraLengthOwned += owned.routes.keys.count { $0.destination.length == RandomScenario.extraLength }

        // The devices the plan must delete (gone or re-created): what hangs on them goes; and
        // those of them that do not come back.
        var goingDevices: Set<String> = [], deletedDevices: Set<String> = []
        for slot in [\NetworkState.vxlan, \NetworkState.vxlan6] {
            guard let have = owned[keyPath: slot] else { continue }
            if desired[keyPath: slot].map({ !$0.canBeModified(from: have) }) ?? true { goingDevices.insert(have.name) }
            if desired[keyPath: slot] == nil { deletedDevices.insert(have.name) }
        }
        func goesWithLink(_ deviceName: String?) -> Bool { deviceName.map(goingDevices.contains) ?? false }

        for change in plan.changes {
            switch change {
            case .recreateLink: statistics.recreated += 1
            case .modifyLink: statistics.modified += 1
            case .deleteLink: statistics.deletedLink += 1
            case .createLink: statistics.createdLink += 1
            case .route(.replace): statistics.routeReplaces += 1
            default: break
            }
        }
        if plan.isEmpty { statistics.converged += 1 }
        if !plan.conflicts.isEmpty { statistics.withConflicts += 1 }

        // Never delete and re-create one key; make-before-break order, sorted steps.
        problems += Self.keyDiscipline(plan.changes)
        problems += Self.orderProblems(plan.changes)

        // (d) The executor's check accepts every change the plan has, and so does the rule: each
        // object written or removed is owned, but for a learnt neighbour or bridge FDB entry on
        // our device that a desired one replaces (flannel's NeighSet), never a skipped peer's.
        for change in plan.changes {
            if let reason = plan.ownership.refusal(of: change) { problems.append("the executor would refuse \(change): \(reason)") }
            func verdict<Object>(_ verb: Verb<Object>, _ owns: (Object) -> Bool, replaceable: (Object) -> Bool) {
                if let after = verb.after, !owns(after) { problems.append("writes an object the rule does not grant: \(change)") }
                if let before = verb.before, !owns(before) {
                    if case .replace = verb, replaceable(before) { return }
                    problems.append("touches an object the rule does not grant: \(change)")
                }
            }
            switch change {
            case let .route(verb): verdict(verb, oracle.owns, replaceable: { _ in false })
            case let .neighbor(verb):
                verdict(verb, oracle.owns, replaceable: { isOurDevice($0.key.device) && !oracle.isSkippedPeers($0) })
            case let .fdb(verb): verdict(verb, oracle.owns, replaceable: { isOurDevice($0.key.device) && !oracle.isSkippedPeers($0) })
            case let .table(verb): verdict(verb, { oracle.owns($0.key) }, replaceable: { _ in false })
            case .iptables: problems.append("an iptables change where no iptables rules are desired or observed: \(change)")
            case let .address(verb): verdict(verb, { isOurDevice($0.device) }, replaceable: { _ in false })
            case let .createLink(link), let .deleteLink(link):
                if !oracle.owns(link) { problems.append("another device: \(change)") }
            case let .modifyLink(old, new), let .recreateLink(old, new):
                if !oracle.owns(old) || !oracle.owns(new) { problems.append("another device: \(change)") }
            }
        }

        // Conflicts: desired keys a foreign object holds and keeps. A foreign route always keeps
        // its key; a learnt neighbour or FDB entry on our device is replaced unless it is a
        // skipped peer's. What hangs on a device that goes holds nothing.
        //
        // When the device goes without coming back, a foreign route on it that holds a desired
        // key still holds it when the routes are created (make before break: the device is
        // deleted last), so it is a conflict of this pass; the next pass creates the route.
        //
        // A desired object the rule does not grant (a skipped peer shares its PublicIP or
        // MAC) is a conflict too: never written, and an owned object on its key stays.
        var expected = desired
        var conflicts = 0
        for (key, route) in desired.routes where !oracle.owns(route) {
            expected.routes[key] = owned.routes[key].flatMap { goesWithLink($0.device) ? nil : $0 }
            conflicts += 1
        }
        for (key, neighbor) in desired.neighbors where !oracle.owns(neighbor) {
            expected.neighbors[key] = goesWithLink(key.device) ? nil : owned.neighbors[key]
            conflicts += 1
        }
        for (key, entry) in desired.fdb where !oracle.owns(entry) {
            expected.fdb[key] = goesWithLink(key.device) ? nil : owned.fdb[key]
            conflicts += 1
            statistics.protectedDesired += 1
        }
        var lateRoutes: [Route] = []
        for (key, route) in foreign.routes
        where desired.routes[key].map(oracle.owns) == true
            && (!goesWithLink(route.device) || route.device.map(deletedDevices.contains) == true) {
            expected.routes[key] = nil
            conflicts += 1
            if let want = desired.routes[key], goesWithLink(route.device) { lateRoutes.append(want) }
        }
        for (key, neighbor) in foreign.neighbors
        where desired.neighbors[key].map(oracle.owns) == true && !goesWithLink(key.device) && oracle.isSkippedPeers(neighbor) {
            expected.neighbors[key] = nil
            conflicts += 1
            statistics.skippedOnDesiredKey += 1
        }
        for (key, entry) in foreign.fdb
        where desired.fdb[key].map(oracle.owns) == true && !goesWithLink(key.device) && oracle.isSkippedPeers(entry) {
            expected.fdb[key] = nil
            conflicts += 1
            statistics.skippedOnDesiredKey += 1
        }
        if plan.conflicts.count != conflicts {
            problems.append("conflicts \(plan.conflicts) but \(conflicts) desired keys are held by foreign objects")
        }

        var kernel = observed
        do {
            try KernelModel.apply(plan.changes, to: &kernel)
        } catch {
            problems.append("the kernel refuses the plan: \(error)")
            return problems + ["plan:"] + plan.changes.map(\.description)
        }

        // (b) The owned part of the result is the desired state, minus conflicts.
        let after = ReferenceOwnership(ownership, observed: kernel)
        problems += Self.differences(expected: expected, actual: after.ownedPart(of: kernel))

        // (a) Every foreign object is exactly as it was (all fields equal), unless it hung on
        // the device the plan deletes, or it was a learnt entry on our device on a desired key,
        // replaced by the desired one. A skipped peer's object is never replaced.
        for (key, route) in foreign.routes where kernel.routes[key] != route {
            if goesWithLink(route.device) && (kernel.routes[key] == nil || kernel.routes[key] == desired.routes[key]) {
                statistics.foreignGoneWithLink += 1
            } else {
                problems.append("foreign route changed: \(route) -> \(kernel.routes[key]?.description ?? "gone")")
            }
        }
        for (key, neighbor) in foreign.neighbors where kernel.neighbors[key] != neighbor {
            if goesWithLink(key.device) && (kernel.neighbors[key] == nil || kernel.neighbors[key] == desired.neighbors[key]) { continue }
            if !oracle.isSkippedPeers(neighbor) && isOurDevice(key.device) && desired.neighbors[key] != nil
                && kernel.neighbors[key] == desired.neighbors[key] {
                statistics.foreignReplaced += 1
            } else {
                problems.append("foreign neighbour changed: \(neighbor) -> \(kernel.neighbors[key]?.description ?? "gone")")
            }
        }
        for (key, entry) in foreign.fdb where kernel.fdb[key] != entry {
            if goesWithLink(key.device) && (kernel.fdb[key] == nil || kernel.fdb[key] == desired.fdb[key]) { continue }
            if !oracle.isSkippedPeers(entry) && isOurDevice(key.device) && desired.fdb[key] != nil && kernel.fdb[key] == desired.fdb[key] {
                statistics.foreignReplaced += 1
            } else {
                problems.append("foreign fdb entry changed: \(entry) -> \(kernel.fdb[key]?.description ?? "gone")")
            }
        }
        for (key, table) in foreign.tables where kernel.tables[key] != table { problems.append("foreign table changed: \(key)") }
        if let link = foreign.vxlan, kernel.vxlan != link { problems.append("another device changed: \(link.name)") }
        if let link = foreign.vxlan6, kernel.vxlan6 != link { problems.append("another device changed: \(link.name)") }
        // Nothing foreign appears out of nowhere.
        let foreignAfter = after.foreignPart(of: kernel)
        for (key, route) in foreignAfter.routes where observed.routes[key] != route {
            problems.append("a foreign-looking route appeared: \(route)")
        }
        for (key, neighbor) in foreignAfter.neighbors where observed.neighbors[key] != neighbor {
            problems.append("a foreign-looking neighbour appeared: \(neighbor)")
        }
        for (key, entry) in foreignAfter.fdb where observed.fdb[key] != entry {
            problems.append("a foreign-looking fdb entry appeared: \(entry)")
        }

        // (c) Planning again from the result changes nothing, and reports the same conflicts;
        // but for what the first pass could not know: the routes whose key the deleted
        // device's foreign routes held, and the FDB entries of a MAC that only a skipped peer's
        // neighbour on the device (gone with it) said was theirs: created then.
        var again = Planner.plan(desired: desired, observed: kernel, ownership: ownership)
        let lateFdb = desired.fdb.values.filter { !oracle.owns($0) && after.owns($0) }.sorted { $0.key < $1.key }
        if !lateRoutes.isEmpty || !lateFdb.isEmpty {
            statistics.lateRoutes += lateRoutes.count
            statistics.lateFdb += lateFdb.count
            let late = lateRoutes.sorted { $0.key < $1.key }
            let changes = lateFdb.map { Change.fdb(.create($0)) } + late.map { .route(.create($0)) }
            if again.changes != changes {
                problems.append("the second plan does not just create \(lateFdb) \(late): \(again.changes)")
            }
            if again.conflicts.count != plan.conflicts.count - changes.count { problems.append("conflicts then: \(again.conflicts)") }
            do {
                try KernelModel.apply(again.changes, to: &kernel)
            } catch {
                problems.append("the kernel refuses the second plan: \(error)")
            }
            let third = ReferenceOwnership(ownership, observed: kernel)
            problems += Self.differences(expected: expected.merging(NetworkState(routes: late, fdb: lateFdb)), actual: third.ownedPart(of: kernel))
            let conflicts = again.conflicts
            again = Planner.plan(desired: desired, observed: kernel, ownership: ownership)
            if again.conflicts != conflicts { problems.append("conflicts changed: \(conflicts) -> \(again.conflicts)") }
        } else if again.conflicts != plan.conflicts {
            problems.append("conflicts changed: \(plan.conflicts) -> \(again.conflicts)")
        }
        if !again.isEmpty {
            problems.append("a plan after the first is not empty:")
            problems += again.changes.map { "    \($0)" }
        }

        if !problems.isEmpty {
            problems.append("plan:")
            problems += plan.changes.map { "    \($0)" }
        }
        return problems
    }

    /// No route, neighbour or FDB key is both deleted and created (or replaced) by one plan.
    static func keyDiscipline(_ changes: [Change]) -> [String] {
        var routeWrites = Set<Route.Key>(), routeDeletes = Set<Route.Key>()
        var neighborWrites = Set<Neighbor.Key>(), neighborDeletes = Set<Neighbor.Key>()
        var fdbWrites = Set<FdbEntry.Key>(), fdbDeletes = Set<FdbEntry.Key>()
        var problems: [String] = []
        func note<Key: Hashable, Object>(_ verb: Verb<Object>, _ key: (Object) -> Key, _ writes: inout Set<Key>,
                                         _ deletes: inout Set<Key>) where Object: Hashable & Sendable {
            switch verb {
            case let .create(object), let .replace(_, object):
                if !writes.insert(key(object)).inserted { problems.append("key written twice: \(object)") }
            case let .delete(object):
                if !deletes.insert(key(object)).inserted { problems.append("key deleted twice: \(object)") }
            }
        }
        for change in changes {
            switch change {
            case let .route(verb): note(verb, \.key, &routeWrites, &routeDeletes)
            case let .neighbor(verb): note(verb, \.key, &neighborWrites, &neighborDeletes)
            case let .fdb(verb): note(verb, \.key, &fdbWrites, &fdbDeletes)
            default: break
            }
        }
        for key in routeWrites.intersection(routeDeletes) { problems.append("route \(key.destination) deleted and re-created") }
        for key in neighborWrites.intersection(neighborDeletes) { problems.append("neighbour \(key.ip) deleted and re-created") }
        for key in fdbWrites.intersection(fdbDeletes) { problems.append("fdb \(key.mac) deleted and re-created") }
        return problems
    }

    /// DESIGN.md's steps, in order; inside a step, keys strictly increase.
    static func step(of change: Change) -> Int {
        switch change {
        case .createLink, .modifyLink, .recreateLink: 0
        case .address(.create), .address(.replace): 1
        case .fdb(.create), .fdb(.replace): 2
        case .neighbor(.create), .neighbor(.replace): 3
        case .route(.create), .route(.replace): 4
        case .route(.delete): 5
        case .neighbor(.delete): 6
        case .fdb(.delete): 7
        case .address(.delete): 8
        case .deleteLink: 9
        case .table(.delete): 12
        case .table: 10
        case let .iptables(change): change.action == .delete ? 13 : 11
        }
    }

    /// Whether `previous` sorts strictly before `next` inside one step, by the kernel keys'
    /// own order (IPv4 before IPv6 for routes; device, then address or MAC, for the others).
    static func sortsBefore(_ previous: Change, _ next: Change) -> Bool {
        switch (previous, next) {
        case let (.address(a), .address(b)):
            guard let x = a.after ?? a.before, let y = b.after ?? b.before else { return false }
            return x < y
        case let (.fdb(a), .fdb(b)):
            guard let x = (a.after ?? a.before)?.key, let y = (b.after ?? b.before)?.key else { return false }
            return x < y
        case let (.neighbor(a), .neighbor(b)):
            guard let x = (a.after ?? a.before)?.key, let y = (b.after ?? b.before)?.key else { return false }
            return x < y
        case let (.route(a), .route(b)):
            guard let x = (a.after ?? a.before)?.key, let y = (b.after ?? b.before)?.key else { return false }
            return x < y
        case let (.table(a), .table(b)):
            guard let x = (a.after ?? a.before)?.key, let y = (b.after ?? b.before)?.key else { return false }
            return x < y
        case let (.iptables(a), .iptables(b)): return a.table < b.table
        default: return false
        }
    }

    static func orderProblems(_ changes: [Change]) -> [String] {
        var problems: [String] = []
        for (previous, next) in zip(changes, changes.dropFirst()) {
            let (a, b) = (step(of: previous), step(of: next))
            if a > b { problems.append("out of order: \(previous) before \(next)") }
            if a == b && a != 0 && a != 9 && !sortsBefore(previous, next) {
                problems.append("not sorted inside its step: \(previous) before \(next)")
            }
        }
        var linkChanges: [String: Int] = [:]
        for change in changes where step(of: change) == 0 {
            switch change {
            case let .createLink(link), let .modifyLink(_, link), let .recreateLink(_, link): linkChanges[link.name, default: 0] += 1
            default: break
            }
        }
        for (name, count) in linkChanges where count > 1 { problems.append("more than one link change for \(name)") }
        return problems
    }

    /// Compares the owned part of the result with what was desired. A desired device without
    /// MAC accepts whatever MAC the device has.
    static func differences(expected: NetworkState, actual: NetworkState) -> [String] {
        var problems: [String] = []
        for slot in [\NetworkState.vxlan, \NetworkState.vxlan6] {
            var want = expected[keyPath: slot], have = actual[keyPath: slot]
            if want?.mac == nil { want?.mac = have?.mac }
            want?.addresses.sort()
            have?.addresses.sort()
            if want != have {
                problems.append("device: want \(want.map { "\($0) \($0.addresses)" } ?? "none"), have \(have.map { "\($0) \($0.addresses)" } ?? "none")")
            }
        }
        func compare<Map: KeyedStore>(_ kind: String, _ want: Map, _ have: Map) where Map.Object: Equatable & CustomStringConvertible {
            for key in Set(want.keys).union(have.keys).sorted() where want[key] != have[key] {
                problems.append("\(kind): want \(want[key]?.description ?? "none"), have \(have[key]?.description ?? "none")")
            }
        }
        compare("route", expected.routes, actual.routes)
        compare("neigh", expected.neighbors, actual.neighbors)
        compare("fdb", expected.fdb, actual.fdb)
        for key in Set(expected.tables.keys).union(actual.tables.keys).sorted() where expected.tables[key] != actual.tables[key] {
            problems.append("table \(key.family) \(key.name) differs")
        }
        return problems
    }

    /// The checks are able to fail: broken plans are caught.
    @Test func brokenPlansAreCaught() {
        var statistics = Statistics()
        var tried = (dropped: 0, split: 0, reversed: 0)
        for seed in Self.firstSeed..<(Self.firstSeed + 300) {
            let scenario = RandomScenario(seed: seed)
            let plan = Planner.plan(desired: scenario.desired, observed: scenario.observed, ownership: scenario.ownership)
            guard !plan.isEmpty else { continue }
            tried.dropped += 1
            #expect(!Self.check(scenario, &statistics, mutate: { var p = $0; p.changes = []; return p }).isEmpty, "seed \(seed)")
            if plan.changes.contains(where: { if case .route(.replace) = $0 { true } else { false } }) {
                tried.split += 1
                let split: (Plan) -> Plan = { original in
                    var p = original
                    p.changes = original.changes.flatMap { change -> [Change] in
                        if case let .route(.replace(old, new)) = change { [.route(.delete(old)), .route(.create(new))] } else { [change] }
                    }
                    return p
                }
                let problems = Self.check(scenario, &statistics, mutate: split)
                #expect(problems.contains { $0.contains("deleted and re-created") }, "seed \(seed)")
            }
            if Set(plan.changes.map(Self.step)).count > 1 {
                tried.reversed += 1
                let problems = Self.check(scenario, &statistics, mutate: { var p = $0; p.changes.reverse(); return p })
                #expect(problems.contains { $0.contains("out of order") }, "seed \(seed)")
            }
        }
        #expect(tried.dropped > 200 && tried.split > 100 && tried.reversed > 100, "\(tried)")
    }

    /// The generator is deterministic: one seed, one scenario.
    @Test func scenariosReplayFromTheirSeed() {
        for seed: UInt64 in [1, 2, 0xdead_beef] {
            let first = RandomScenario(seed: seed), second = RandomScenario(seed: seed)
            #expect(first.desired == second.desired)
            #expect(first.observed == second.observed)
        }
        #expect(RandomScenario(seed: 1).observed != RandomScenario(seed: 2).observed)
    }

    /// The model itself: deleting the device takes what hangs on it, in every table.
    @Test func kernelModelDeletesWhatHangsOnTheDevice() throws {
        var state = PF.state(vxlan: [2, 3], hostGW: [4]).merging(PF.foreign)
        let other = Route(key: Route.Key(table: RouteTable(rawValue: 200), destination: PF.subnet(7)), device: PF.device, scope: .link)
        state.routes[other.key] = other
        let link = try #require(state.vxlan)
        try KernelModel.apply(.deleteLink(link), to: &state)
        #expect(state.vxlan == nil)
        #expect(state.routes[other.key] == nil)
        #expect(state.routes[PF.routeKey(2)] == nil)
        #expect(state.routes[PF.routeKey(4)] == PF.directRoute(4))
        #expect(state.neighbors.keys.allSatisfy { $0.device != PF.device })
        #expect(state.fdb.keys.allSatisfy { $0.device != PF.device })
        #expect(state.routes.count == PF.foreign.routes.count + 1)
    }

    @Test func kernelModelIsStrict() throws {
        var state = PF.state(vxlan: [2])
        #expect(throws: KernelModel.Refusal.self) { try KernelModel.apply(.route(.create(PF.vxlanRoute(2))), to: &state) }
        #expect(throws: KernelModel.Refusal.self) { try KernelModel.apply(.route(.delete(PF.vxlanRoute(3))), to: &state) }
        #expect(throws: KernelModel.Refusal.self) {
            try KernelModel.apply(.route(.replace(old: PF.directRoute(2), new: PF.vxlanRoute(2))), to: &state)
        }
        #expect(throws: KernelModel.Refusal.self) { try KernelModel.apply(.createLink(PF.link()), to: &state) }
        var empty = NetworkState()
        #expect(throws: KernelModel.Refusal.self) { try KernelModel.apply(.route(.create(PF.vxlanRoute(2))), to: &empty) }
        #expect(throws: KernelModel.Refusal.self) { try KernelModel.apply(.neighbor(.create(PF.neighbor(2))), to: &empty) }
        var down = PF.state()
        down.vxlan?.up = false
        #expect(throws: KernelModel.Refusal.self) { try KernelModel.apply(.route(.create(PF.vxlanRoute(2))), to: &down) }
        try KernelModel.apply(.route(.replace(old: PF.vxlanRoute(2), new: PF.directRoute(2))), to: &state)
        #expect(state.routes[PF.routeKey(2)] == PF.directRoute(2))
    }
}
