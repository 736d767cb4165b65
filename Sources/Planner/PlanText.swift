import NetState

/// Renders a plan for people, as Terraform does: one line per change, then the summary.
public enum PlanText {
    public static func render(_ plan: Plan, header: String? = nil) -> String {
        var lines: [String] = []
        if let header { lines += [header, ""] }
        for conflict in plan.conflicts { lines.append("! \(conflict)") }
        if !plan.conflicts.isEmpty { lines.append("") }
        guard !plan.isEmpty else {
            lines.append("No changes. The kernel matches the desired state.")
            return lines.joined(separator: "\n") + "\n"
        }
        for change in plan.changes {
            lines.append(change.description)
            if case let .table(verb) = change, let table = verb.after {
                lines += table.description.split(separator: "\n", omittingEmptySubsequences: false).map { "    \($0)" }
            }
        }
        lines += ["", plan.summaryLine]
        return lines.joined(separator: "\n") + "\n"
    }
}
