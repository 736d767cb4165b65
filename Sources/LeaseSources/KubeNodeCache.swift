import Desired

/// The nodes an API source holds, as leases: built from a list, then changed event by event.
/// Each event is compared with what is held, so a heartbeat (a node whose `resourceVersion`
/// and status moved, its lease fields not) costs a dictionary lookup and a comparison and says
/// `.none`.
///
/// Only flannel's nodes are kept: unmanaged nodes are nothing to flannel (v0.20.2
/// `subnet/kube/kube.go:216`), and a node that stops being managed leaves the set as it would
/// leave a fresh list.
struct KubeNodeCache: Sendable {
    /// What an event did to the set.
    enum Effect: Equatable, Sendable {
        /// Nothing a lease is made of changed.
        case none
        /// These leases changed.
        case delta(LeaseDelta)
        /// A node's lease started or stopped parsing, or a broken one changed: the set as a
        /// whole (the agent's full pass then reports which peers are skipped and why).
        case whole
    }

    private(set) var leases: [Lease] = []
    private(set) var rejected: [RejectedLease] = []
    /// Positions in `leases` and `rejected` by node name.
    private var leaseIndex: [String: Int] = [:]
    private var rejectedIndex: [String: Int] = [:]

    init(_ nodes: [KubeAPIReader.Node]) {
        leases.reserveCapacity(nodes.count)
        leaseIndex.reserveCapacity(nodes.count)
        for node in nodes { _ = apply(node, deleted: false) }
    }

    /// Nodes held: leases and records that did not parse.
    var count: Int { leases.count + rejected.count }

    /// Takes one node as an event announced it (deleted: the node is gone).
    mutating func apply(_ node: KubeAPIReader.Node, deleted: Bool) -> Effect {
        let outcome: KubeNodeOutcome = deleted ? .unmanaged : node.outcome
        let name = node.name
        switch outcome {
        case .lease(let lease):
            if let index = leaseIndex[name] {
                if leases[index] == lease { return .none }
                leases[index] = lease
            } else {
                leaseIndex[name] = leases.count
                leases.append(lease)
            }
            if removeRejected(name) { return .whole }
            var delta = LeaseDelta()
            delta.record(lease.key, lease)
            return .delta(delta)
        case .rejected(let record):
            if let index = rejectedIndex[name] {
                if rejected[index] == record { return .none }
                rejected[index] = record
            } else {
                rejectedIndex[name] = rejected.count
                rejected.append(record)
            }
            _ = removeLease(name)
            return .whole
        case .unmanaged:
            if removeRejected(name) {
                _ = removeLease(name)
                return .whole
            }
            guard let gone = removeLease(name) else { return .none }
            var delta = LeaseDelta()
            delta.record(gone.key, nil)
            return .delta(delta)
        }
    }

    /// Removes the node's lease by moving the last one into its place.
    private mutating func removeLease(_ name: String) -> Lease? {
        guard let index = leaseIndex.removeValue(forKey: name) else { return nil }
        let gone = leases[index]
        let last = leases.removeLast()
        if index < leases.count {
            leases[index] = last
            if let lastName = last.nodeName { leaseIndex[lastName] = index }
        }
        return gone
    }

    private mutating func removeRejected(_ name: String) -> Bool {
        guard let index = rejectedIndex.removeValue(forKey: name) else { return false }
        let last = rejected.removeLast()
        if index < rejected.count {
            rejected[index] = last
            if let lastName = last.nodeName { rejectedIndex[lastName] = index }
        }
        return true
    }
}
