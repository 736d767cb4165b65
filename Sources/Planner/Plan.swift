import NetState

/// An ordered change plan and what it was computed from.
public struct Plan: Hashable, Sendable {
    /// Make-before-break order (see `Planner.order`).
    public var changes: [Change]
    /// Fingerprint of the observed objects the plan was computed from (owned ones, and foreign
    /// ones that hold a desired key). `apply --plan` refuses the plan when the kernel no longer
    /// matches it.
    public var fingerprint: String
    /// Desired objects the plan leaves alone because a foreign object holds their key.
    public var conflicts: [String]
    /// The contract the plan was computed under.
    public var ownership: Ownership

    public init(changes: [Change], fingerprint: String, conflicts: [String] = [], ownership: Ownership) {
        self.changes = changes
        self.fingerprint = fingerprint
        self.conflicts = conflicts
        self.ownership = ownership
    }

    public var isEmpty: Bool { changes.isEmpty }

    /// Terraform's counts: a forced re-creation is one add and one destroy.
    public var summary: (add: Int, change: Int, destroy: Int) {
        var add = 0, change = 0, destroy = 0
        for item in changes {
            switch item.action {
            case .create: add += 1
            case .replace: change += 1
            case .delete: destroy += 1
            case .recreate:
                add += 1
                destroy += 1
            }
        }
        return (add, change, destroy)
    }

    public var summaryLine: String {
        let counts = summary
        return "Plan: \(counts.add) to add, \(counts.change) to change, \(counts.destroy) to destroy."
    }
}
