import NetState
import StateJSON

/// A node's state and link facts with a bit of everything (see `RandomState`): the sample the
/// hand-made and truncation tests start from.
enum StateSample {
    static let snapshot: Snapshot = {
        var generator = RandomState(seed: 11)
        var snapshot = generator.snapshot()
        while snapshot.state.routes.isEmpty || snapshot.state.vxlan == nil { snapshot = generator.snapshot() }
        return snapshot
    }()

    static var state: NetworkState { snapshot.state }
    static var facts: LinkFacts { snapshot.facts }

    static func prefix(_ text: String) -> IPv4Prefix { IPv4Prefix(text) ?? IPv4Prefix(address: IPv4Address(0), length: 0) }
}
