import NetState

/// What the observer read from one node: the network state (owned or not: the planner applies
/// ownership) and the facts about the underlay the desired state is computed from.
public struct ObservedNode: Hashable, Sendable {
    public var state: NetworkState
    public var facts: LinkFacts
    /// The nf_tables ruleset generation the tables in `state` were read at (live reads only):
    /// the nf_tables transactions of a plan made from them name it, so the kernel refuses them
    /// if the ruleset changed in between.
    public var nftGeneration: UInt32?

    public init(state: NetworkState, facts: LinkFacts) {
        self.state = state
        self.facts = facts
    }
}
