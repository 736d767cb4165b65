import NetState

/// What the observer read from one node: the network state (owned or not: the planner applies
/// ownership) and the facts about the underlay the desired state is computed from.
public struct ObservedNode: Hashable, Sendable {
    public var state: NetworkState
    public var facts: LinkFacts

    public init(state: NetworkState, facts: LinkFacts) {
        self.state = state
        self.facts = facts
    }
}
