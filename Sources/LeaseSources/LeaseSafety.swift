/// The rule that keeps an outage or a wiped store from becoming "delete every route": a set is
/// refused when it would take every lease away. A node whose own lease disappears is refused
/// later, by the desired-state engine ("no lease for this node"), before anything changes.
public enum LeaseSafety {
    /// nil when `candidate` may replace `previous`, else why not.
    public static func refusal(of candidate: LeaseSet, previous: LeaseSet?) -> LeaseSourceError? {
        if candidate.leases.isEmpty {
            let had = previous?.leases.count ?? 0
            return LeaseSourceError(
                .refused, source: candidate.source,
                had > 0
                    ? "the source now lists no lease at all (it listed \(had)); keeping the last good set rather than deleting every peer"
                    : "the source lists no lease; waiting for leases before programming anything"
            )
        }
        return nil
    }
}
