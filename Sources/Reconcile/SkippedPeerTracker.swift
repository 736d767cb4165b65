import Desired

/// The peers the last full pass skipped, by lease key, so that `reconcile` logs each one when it
/// becomes skipped or its problem changes, and once more when it is no longer skipped, rather
/// than on every pass.
struct SkippedPeerTracker: Sendable {
    /// What changed between two full passes.
    struct Changes: Equatable, Sendable {
        /// Newly skipped, or skipped now for another reason or with another message.
        var skipped: [SkippedPeer] = []
        /// Skipped by the previous pass, not by this one.
        var cleared: [SkippedPeer] = []

        var isEmpty: Bool { skipped.isEmpty && cleared.isEmpty }
    }

    private(set) var current: [String: SkippedPeer] = [:]
    /// The last update's peers, one per lease key, sorted by key (`unique`).
    private(set) var peers: [SkippedPeer] = []

    init() {}

    /// One peer per lease key (the first reported wins), sorted by key: what the metric counts
    /// and the health body lists.
    static func unique(_ peers: [SkippedPeer]) -> [SkippedPeer] {
        var seen: Set<String> = []
        return peers.filter { seen.insert($0.key).inserted }.sorted { $0.key < $1.key }
    }

    /// Takes a full pass's skipped peers in; returns what to log.
    mutating func update(_ peers: [SkippedPeer]) -> Changes {
        var next: [String: SkippedPeer] = [:]
        var changes = Changes()
        self.peers = Self.unique(peers)
        for peer in self.peers {
            next[peer.key] = peer
            if let before = current[peer.key], before.reason == peer.reason, before.message == peer.message { continue }
            changes.skipped.append(peer)
        }
        changes.cleared = current.values.filter { next[$0.key] == nil }.sorted { $0.key < $1.key }
        current = next
        return changes
    }
}
