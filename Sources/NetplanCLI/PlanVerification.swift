import Foundation
import Planner
import StateJSON

/// `apply --plan FILE`: a saved plan is verified, not trusted. The plan is computed again from
/// the same inputs against the live kernel, and the file is applied only when its changes are
/// exactly those; otherwise nothing is changed and the operator is told whether the kernel
/// moved since the plan was made, or the file (or the inputs) no longer match it.
enum PlanVerification {
    /// - Throws: `CommandFailure` naming the file and what differs.
    static func verify(_ saved: PlanDocument, against current: Plan, path: String) throws {
        let advice = "nothing was changed. Run plan again and review it."
        if saved.fingerprint != current.fingerprint {
            throw CommandFailure(
                message: """
                    \(path): the plan is stale: the kernel changed since it was made (the objects this tool owns \
                    were \(saved.fingerprint), they are now \(current.fingerprint)); \(advice)
                    """
            )
        }
        let savedPlan = saved.plan
        var reason: String?
        if savedPlan.ownership != current.ownership {
            reason = "its ownership rules differ from those these inputs give"
        } else if savedPlan.changes.count != current.changes.count {
            reason = "it has \(savedPlan.changes.count) changes where these inputs give \(current.changes.count)"
        } else if let index = savedPlan.changes.indices.first(where: { savedPlan.changes[$0] != current.changes[$0] }) {
            reason = "change \(index + 1) " + difference(savedPlan.changes[index], current.changes[index])
        }
        if let reason {
            throw CommandFailure(
                message: """
                    \(path): the plan does not match the one computed now from these inputs against an unchanged \
                    kernel: \(reason). The file was edited, or the inputs are not the plan's; \(advice)
                    """
            )
        }
    }

    /// How a saved change differs from the recomputed one, in the plan's words. A table's
    /// one-line text names only the table, so for tables (and flannel's iptables-mode rules) the
    /// first differing rule line is shown.
    private static func difference(_ saved: Change, _ current: Change) -> String {
        if case let .table(savedVerb) = saved, case let .table(currentVerb) = current,
           let savedTable = savedVerb.after ?? savedVerb.before, let currentTable = currentVerb.after ?? currentVerb.before
        {
            let savedLines = savedTable.description.split(separator: "\n", omittingEmptySubsequences: false)
            let currentLines = currentTable.description.split(separator: "\n", omittingEmptySubsequences: false)
            for (line, (mine, theirs)) in zip(savedLines, currentLines).enumerated() where mine != theirs {
                return """
                    (\(saved)) has, at line \(line + 1) of the table, "\(mine.trimmingCharacters(in: .whitespaces))" \
                    where these inputs give "\(theirs.trimmingCharacters(in: .whitespaces))"
                    """
            }
            return "(\(saved)) holds a table of \(savedLines.count) lines where these inputs give \(currentLines.count)"
        }
        if case let .iptables(mine) = saved, case let .iptables(theirs) = current {
            for (line, (mine, theirs)) in zip(mine.lines, theirs.lines).enumerated() where mine != theirs {
                return "(\(saved)) has, at line \(line + 1) of its rules, \"\(mine)\" where these inputs give \"\(theirs)\""
            }
            return "(\(saved)) holds \(mine.lines.count) rule lines where these inputs give \(theirs.lines.count)"
        }
        return "reads \"\(saved)\" where these inputs give \"\(current)\""
    }
}
