import NetState

/// Renders a plan for people, as Terraform does: one line per change, then the summary.
public enum PlanText {
    public static func render(_ plan: Plan, header: String? = nil) -> String {
        var text = TextBuffer(capacity: 128 + plan.changes.count * 96)
        func line(_ words: String) {
            text.append(words)
            text.append(ascii: UInt8(ascii: "\n"))
        }
        if let header { line(header + "\n") }
        for conflict in plan.conflicts { line("! \(conflict)") }
        if !plan.conflicts.isEmpty { line("") }
        guard !plan.isEmpty else {
            line("No changes. The kernel matches the desired state.")
            return text.string
        }
        for change in plan.changes {
            change.append(to: &text)
            text.append(ascii: UInt8(ascii: "\n"))
            if case let .table(verb) = change, let table = verb.after {
                for row in table.description.split(separator: "\n", omittingEmptySubsequences: false) { line("    " + row) }
            }
            if case let .iptables(change) = change {
                for row in change.lines { line("    " + row) }
            }
        }
        line("")
        line(plan.summaryLine)
        return text.string
    }
}
