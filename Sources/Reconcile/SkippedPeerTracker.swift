import Desired
import NetState

/// The peers the last full pass skipped, by lease key and family, so that `reconcile` logs each one when it
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

    /// A peer is skipped per family: a dual-stack peer can be skipped in one and not the other.
    struct PeerKey: Hashable, Sendable {
        var key: String
        var family: AddressFamily
    }

    private(set) var current: [PeerKey: SkippedPeer] = [:]
    /// The last update's peers, one per lease key and family, sorted (`unique`).
    private(set) var peers: [SkippedPeer] = []

    init() {}

    /// One peer per lease key and family (the first reported wins), sorted by key and family:
    /// what the metric counts and the health body lists.
    static func unique(_ peers: [SkippedPeer]) -> [SkippedPeer] {
        var seen: Set<PeerKey> = []
        return peers.filter { seen.insert(PeerKey(key: $0.key, family: $0.family)).inserted }
            .sorted { ($0.key, $0.family) < ($1.key, $1.family) }
    }

    /// Takes a full pass's skipped peers in; returns what to log.
    mutating func update(_ peers: [SkippedPeer]) -> Changes {
        var next: [PeerKey: SkippedPeer] = [:]
        var changes = Changes()
        self.peers = Self.unique(peers)
        for peer in self.peers {
            let key = PeerKey(key: peer.key, family: peer.family)
            next[key] = peer
            if let before = current[key], before.reason == peer.reason, before.message == peer.message { continue }
            changes.skipped.append(peer)
        }
        changes.cleared = current.filter { next[$0.key] == nil }.map(\.value).sorted { ($0.key, $0.family) < ($1.key, $1.family) }
        current = next
        return changes
    }
}
