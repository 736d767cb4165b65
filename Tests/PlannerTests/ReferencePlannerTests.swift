import NetState
import Planner
import Testing

/// The planner against the plain one it replaced, on the property test's random scenarios:
/// the same changes in the same order, the same conflicts, and the fingerprint of the same
/// relevant objects.
@Suite struct ReferencePlannerTests {
    @Test func matchesTheReferencePlannerOnRandomScenarios() {
        var failures: [String] = []
        var withChanges = 0, withConflicts = 0, withForeignRelevant = 0
        for seed in PlannerPropertyTests.firstSeed..<(PlannerPropertyTests.firstSeed + PlannerPropertyTests.iterations) {
            let scenario = RandomScenario(seed: seed)
            let plan = Planner.plan(desired: scenario.desired, observed: scenario.observed, ownership: scenario.ownership)
            let reference = ReferencePlanner.plan(desired: scenario.desired, observed: scenario.observed, ownership: scenario.ownership)
            if !plan.changes.isEmpty { withChanges += 1 }
            if !plan.conflicts.isEmpty { withConflicts += 1 }
            if reference.relevant.objectCount > scenario.ownership.ownedPart(of: scenario.observed).objectCount {
                withForeignRelevant += 1
            }
            var problems: [String] = []
            if plan.changes != reference.changes {
                problems.append("changes:\n    " + plan.changes.map(\.description).joined(separator: "\n    ")
                    + "\n  reference:\n    " + reference.changes.map(\.description).joined(separator: "\n    "))
            }
            if plan.conflicts != reference.conflicts { problems.append("conflicts \(plan.conflicts) vs \(reference.conflicts)") }
            if plan.fingerprint != Fingerprint.of(reference.relevant) { problems.append("fingerprint differs") }
            if !problems.isEmpty { failures.append("seed \(seed): " + problems.joined(separator: "; ")) }
        }
        for failure in failures.prefix(5) { Issue.record(Comment(rawValue: failure)) }
        #expect(failures.isEmpty, "\(failures.count) scenarios differ from the reference planner")
        // The scenarios must reach the cases where the two could differ.
        #expect(withChanges > 1_000)
        #expect(withConflicts > 10)
        #expect(withForeignRelevant > 10)
    }
}
