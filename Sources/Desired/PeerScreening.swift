import NetState

/// Sorts the peers of one address family into those the desired state programs and those it
/// skips, each skip with the first reason found. Only problems confined to peers are judged
/// here; the node's own lease and the network were checked before (`OwnLeaseCheck`), and a peer
/// clashing with the own lease (same subnet, PublicIP or VtepMAC) is the one skipped.
///
/// Each family is screened on its own, over the leases' halves of it: a peer with a problem in
/// one family is skipped in that family only, and programmed in the other.
///
/// Costs stay linear at 50,000 leases: overlaps are found on one sorted pass, duplicates with
/// hash sets.
struct PeerScreening {
    /// By lease index: why that peer is skipped in this family (absent: not skipped). The own
    /// lease is never skipped. Sparse: skipped peers are few, and an array of 50,000 optional
    /// `SkippedPeer`s was megabytes of nils at the peak of a plan.
    private(set) var skipReasons: [Int: SkippedPeer]
    /// Skipped peers whose records did not parse.
    private(set) var rejected: [SkippedPeer] = []

    private let leases: [Lease]
    private let halves: [LeaseHalf?]
    private let own: Int
    private let family: FamilyFields
    private let source: String?

    init(
        leases: [Lease], rejected records: [RejectedLease], own: Int, family: AddressFamily, netConf: NetConf,
        facts: LinkFacts, type: (Lease) -> BackendType, source: String?
    ) {
        self.leases = leases
        halves = leases.map { $0.half(family) }
        self.own = own
        self.family = FamilyFields.of(family)
        self.source = source
        skipReasons = [:]
        checkFields(netConf: netConf, type: type)
        checkOverlaps(with: records)
        checkDuplicates(with: records, type: type)
        checkReachability(facts: facts, type: type)
        rejected = records.map { Self.skipped($0, family: family, source: source) }
    }

    /// Every skipped peer, sorted by key.
    var skipped: [SkippedPeer] {
        (skipReasons.sorted { $0.key < $1.key }.map(\.value) + rejected).sorted { ($0.key, $0.message) < ($1.key, $1.message) }
    }

    /// Records why the peer at `index` is skipped, unless it is this node or already skipped.
    private mutating func skip(_ index: Int, _ reason: SkippedPeer.Reason, _ message: String) {
        guard index != own, skipReasons[index] == nil else { return }
        let lease = leases[index]
        let half = halves[index]
        skipReasons[index] = SkippedPeer(
            key: lease.displayName, reason: reason, message: message, source: source, family: family.family,
            subnet: half?.subnet, publicIP: half?.publicIP, vtepMAC: half?.vtepMAC
        )
    }

    /// 1. Each lease's own fields.
    private mutating func checkFields(netConf: NetConf, type: (Lease) -> BackendType) {
        for index in leases.indices where index != own {
            let problem = halves[index].map {
                Self.fieldProblem($0, family: family, netConf: netConf, type: type(leases[index]))
            } ?? Self.missingHalf(family)
            if let (reason, message) = problem { skip(index, reason, message) }
        }
    }

    /// A lease without a half of an enabled family: its peer cannot be reached in that family.
    static func missingHalf(_ family: FamilyFields) -> (SkippedPeer.Reason, String) {
        (
            .missingSubnet,
            family.family == .inet
                ? "the lease has no IPv4 subnet (no IPv4 podCIDR)"
                : "the lease has no IPv6 subnet (no \"&\" half in its key, no IPv6 podCIDR)"
        )
    }

    /// What is wrong with one family's half of a peer's lease on its own (no other lease needed
    /// to tell), or nil. Shared with `IncrementalPeers`, which must judge a changed lease exactly
    /// as this does.
    static func fieldProblem(
        _ half: LeaseHalf, family: FamilyFields, netConf: NetConf, type: BackendType
    ) -> (SkippedPeer.Reason, String)? {
        let networkName = family.network
        guard let network = netConf.network(family.family) else { return nil }
        let data = family.backendData
        if !network.contains(half.subnet) {
            return (.outsideNetwork, "subnet \(half.subnet) is outside \(networkName) \(network)")
        }
        guard let publicIP = half.publicIP else {
            return (.invalidPublicIP, "\(family.publicIP) is not set; expected the node's unicast address")
        }
        if let reason = publicIP.nonUnicastReason {
            return (.invalidPublicIP, "\(family.publicIP): \(publicIP) is \(reason); expected the node's unicast address")
        } else if network.contains(publicIP) {
            return (
                .invalidPublicIP,
                "\(family.publicIP): \(publicIP) is inside \(networkName) \(network): a node's address cannot be a pod address"
            )
        } else if let mac = half.vtepMAC, let reason = mac.nonUnicastReason {
            return (.invalidVtepMAC, "\(data).VtepMAC: \(mac) is \(reason); expected a unicast MAC")
        } else if type == .vxlan, half.vtepMAC == nil {
            return (.missingVtepMAC, "vxlan lease has no \(data).VtepMAC")
        } else if type == .vxlan, let vni = half.vni, vni != netConf.backend.vni {
            return (
                .vniMismatch,
                "\(data).VNI: \(vni) differs from net-conf's VNI \(netConf.backend.vni): its vxlan traffic would be dropped"
            )
        }
        return nil
    }

    /// 2a. Subnets that overlap: both peers are skipped (or the peer alone, when the other is
    /// this node or a record that did not parse), each naming the other.
    private mutating func checkOverlaps(with records: [RejectedLease]) {
        var pairs: [(Int?, Int?)] = []
        Self.overlaps(halves: halves, rejected: records.compactMap { $0.protected(family.family).subnet }) {
            pairs.append(($0, $1))
        }
        for (first, second) in pairs {
            let a = first.map { leases[$0].displayName }, b = second.map { leases[$0].displayName }
            let subnetA = first.flatMap { halves[$0]?.subnet }, subnetB = second.flatMap { halves[$0]?.subnet }
            let what = subnetA == subnetB && subnetA != nil
                ? "both lease subnet \(subnetA.map(String.init(describing:)) ?? "")"
                : "subnets overlap"
            if let first { skip(first, .overlappingSubnet, "\(what) with \(b ?? "an unreadable lease")") }
            if let second { skip(second, .overlappingSubnet, "\(what) with \(a ?? "an unreadable lease")") }
        }
    }

    /// 2b. PublicIPs and VtepMACs two leases (or a lease and a record that did not parse) share:
    /// both would fight over one FDB entry.
    private mutating func checkDuplicates(with records: [RejectedLease], type: (Lease) -> BackendType) {
        var byPublicIP: [IPAddress: Int] = [:]
        var byMAC: [UInt64: Int] = [:]
        byPublicIP.reserveCapacity(leases.count)
        byMAC.reserveCapacity(leases.count)
        let data = family.backendData
        for index in leases.indices {
            guard let half = halves[index] else { continue }
            let lease = leases[index]
            if let ip = half.publicIP, let other = byPublicIP.updateValue(index, forKey: ip) {
                let message = "\(family.publicIP) \(ip) is also the \(family.publicIP) of"
                skip(other, .duplicatePublicIP, "\(message) \(lease.displayName)")
                skip(index, .duplicatePublicIP, "\(message) \(leases[other].displayName)")
                if other == own { byPublicIP[ip] = own }
            }
            guard let mac = half.vtepMAC, type(lease) == .vxlan || index == own else { continue }
            if let other = byMAC.updateValue(index, forKey: mac.value) {
                let message = "\(data).VtepMAC \(mac) is also the VtepMAC of"
                skip(other, .duplicateVtepMAC, "\(message) \(lease.displayName)")
                skip(index, .duplicateVtepMAC, "\(message) \(leases[other].displayName)")
                if other == own { byMAC[mac.value] = own }
            }
        }
        for record in records {
            let (_, publicIP, vtepMAC) = record.protected(family.family)
            if let ip = publicIP, let index = byPublicIP[ip] {
                skip(
                    index, .duplicatePublicIP,
                    "\(family.publicIP) \(ip) is also the \(family.publicIP) of \(record.key), a lease that did not parse"
                )
            }
            if let mac = vtepMAC, let index = byMAC[mac.value] {
                skip(index, .duplicateVtepMAC, "\(data).VtepMAC \(mac) is also the VtepMAC of \(record.key), a lease that did not parse")
            }
        }
    }

    /// 3. Reachability, asked last and only of peers still in: host-gw needs the peer on-link.
    private mutating func checkReachability(facts: LinkFacts, type: (Lease) -> BackendType) {
        for index in leases.indices where index != own && skipReasons[index] == nil {
            guard let half = halves[index] else { continue }
            if let message = Self.reachabilityProblem(half, facts: facts, type: type(leases[index])) {
                skip(index, .notOnLink, message)
            }
        }
    }

    /// Why a peer's half that passed every other check cannot be reached, or nil.
    static func reachabilityProblem(_ half: LeaseHalf, facts: LinkFacts, type: BackendType) -> String? {
        guard type == .hostGW, let publicIP = half.publicIP, !facts.isOnLink(publicIP) else { return nil }
        return "host-gw cannot reach \(half.subnet) via \(publicIP): the peer is not on-link on \(facts.underlay)"
    }

    /// A record that did not parse, as a skipped peer of `family`; its message names the field
    /// without repeating the key.
    private static func skipped(_ record: RejectedLease, family: AddressFamily, source: String?) -> SkippedPeer {
        var message = record.error.message
        if let field = record.error.field {
            let prefix = record.key + ": "
            let inner = field.hasPrefix(prefix) ? String(field.dropFirst(prefix.count)) : (field == record.key ? nil : field)
            if let inner { message = "\(inner): \(message)" }
        }
        let (subnet, publicIP, vtepMAC) = record.protected(family)
        return SkippedPeer(
            key: record.key, reason: .invalidLease, message: message, source: record.error.source ?? source,
            family: family, subnet: subnet, publicIP: publicIP, vtepMAC: vtepMAC
        )
    }

    /// Calls `report` for each pair of overlapping subnets among the halves and the rejected
    /// records' subnets (nil stands for a rejected record). Sorted by start address, a subnet
    /// overlaps an earlier one exactly when it starts at or before the furthest end seen so far;
    /// each subnet is reported against that widest one.
    private static func overlaps(halves: [LeaseHalf?], rejected: [IPPrefix], report: (Int?, Int?) -> Void) {
        var order: [(start: IPAddress, end: IPAddress, length: UInt8, index: Int?)] = []
        order.reserveCapacity(halves.count + rejected.count)
        for index in halves.indices {
            if let subnet = halves[index]?.subnet { order.append((subnet.address, subnet.lastAddress, subnet.length, index)) }
        }
        for subnet in rejected { order.append((subnet.address, subnet.lastAddress, subnet.length, nil)) }
        order.sort { ($0.start, $0.length) < ($1.start, $1.length) }
        var widest: (start: IPAddress, end: IPAddress, length: UInt8, index: Int?)?
        for entry in order {
            if let current = widest, current.end >= entry.start {
                if current.index != nil || entry.index != nil { report(current.index, entry.index) }
                if entry.end > current.end { widest = entry }
            } else {
                widest = entry
            }
        }
    }
}
