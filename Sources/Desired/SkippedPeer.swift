import NetState

/// A peer left out of the desired state because of a problem confined to it. Its objects in the
/// kernel are left exactly as they are (neither created nor deleted) and every other peer is
/// programmed: flanneld, too, logs such a peer and carries on. Commands report each with a
/// `skipped:` line and exit 1; `reconcile` counts them by `reason`.
public struct SkippedPeer: Hashable, Sendable, CustomStringConvertible {
    /// Why, as a metric label value.
    public enum Reason: String, Hashable, Sendable, CaseIterable {
        case invalidLease = "invalid_lease"
        case outsideNetwork = "outside_network"
        case invalidPublicIP = "invalid_public_ip"
        case duplicatePublicIP = "duplicate_public_ip"
        case overlappingSubnet = "overlapping_subnet"
        case invalidVtepMAC = "invalid_vtep_mac"
        case missingVtepMAC = "missing_vtep_mac"
        case duplicateVtepMAC = "duplicate_vtep_mac"
        case vniMismatch = "vni_mismatch"
        case notOnLink = "not_on_link"
        /// The lease has no half of an enabled family (no IPv6 subnet on a dual-stack cluster).
        case missingSubnet = "missing_subnet"
    }

    /// The lease key (`/coreos.com/network/subnets/10.244.1.0-24`) or `node/<name>`.
    public var key: String
    public var reason: Reason
    /// What is wrong, naming the field: `PublicIP: 127.0.0.1 is in 127.0.0.0/8 (loopback)`.
    public var message: String
    /// The lease source, for messages.
    public var source: String?
    /// The family the peer is skipped in: a problem in one family skips the peer in that family
    /// only.
    public var family: AddressFamily
    /// What of the peer's objects of that family to protect in the kernel.
    public var subnet: IPPrefix?
    public var publicIP: IPAddress?
    public var vtepMAC: MACAddress?

    public init(
        key: String, reason: Reason, message: String, source: String?, family: AddressFamily = .inet, subnet: IPPrefix?,
        publicIP: IPAddress?, vtepMAC: MACAddress?
    ) {
        self.key = key
        self.reason = reason
        self.message = message
        self.source = source
        self.family = family
        self.subnet = subnet
        self.publicIP = publicIP
        self.vtepMAC = vtepMAC
    }

    /// `leases.json: /coreos.com/network/subnets/10.244.5.0-24: PublicIP: …; its routes, neighbour and FDB entries are left as they are`.
    public var description: String {
        [source, key, message].compactMap { $0 }.joined(separator: ": ")
    }
}

extension Sequence<SkippedPeer> {
    /// One `skipped: <source>: <key>: <reason>` line per peer, for standard error: what every
    /// one-shot command (and `reconcile --once`) prints before exiting 1.
    /// A record that did not parse is skipped in every family the node runs, with one message:
    /// it is said once.
    public var skippedReport: String {
        var seen: Set<String> = []
        return compactMap { peer in seen.insert(peer.description).inserted ? "skipped: \(peer)\n" : nil }.joined()
    }
}
