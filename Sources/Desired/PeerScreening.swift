import NetState

/// Sorts the peers into those the desired state programs and those it skips, each skip with the
/// first reason found. Only problems confined to peers are judged here; the node's own lease
/// and the network were checked before (`OwnLeaseCheck`), and a peer clashing with the own lease
/// (same subnet, PublicIP or VtepMAC) is the one skipped.
///
/// Costs stay linear at 50,000 leases: overlaps are found on one sorted pass, duplicates with
/// hash sets.
struct PeerScreening {
    /// Per lease index: why that peer is skipped, or nil. The own lease is never skipped.
    private(set) var skipReasons: [SkippedPeer?]
    /// Skipped peers whose records did not parse.
    private(set) var rejected: [SkippedPeer] = []

    private let leases: [Lease]
    private let own: Int
    private let source: String?

    init(
        leases: [Lease], rejected records: [RejectedLease], own: Int, netConf: NetConf, facts: LinkFacts,
        type: (Lease) -> BackendType, source: String?
    ) {
        self.leases = leases
        self.own = own
        self.source = source
        skipReasons = Array(repeating: nil, count: leases.count)
        checkFields(netConf: netConf, type: type)
        checkOverlaps(with: records)
        checkDuplicates(with: records, type: type)
        checkReachability(facts: facts, type: type)
        rejected = records.map { Self.skipped($0, source: source) }
    }

    /// Every skipped peer, sorted by key.
    var skipped: [SkippedPeer] {
        (skipReasons.compactMap { $0 } + rejected).sorted { ($0.key, $0.message) < ($1.key, $1.message) }
    }

    /// Records why the peer at `index` is skipped, unless it is this node or already skipped.
    private mutating func skip(_ index: Int, _ reason: SkippedPeer.Reason, _ message: String) {
        guard index != own, skipReasons[index] == nil else { return }
        let lease = leases[index]
        skipReasons[index] = SkippedPeer(
            key: lease.displayName, reason: reason, message: message, source: source, subnet: lease.subnet,
            publicIP: lease.publicIP, vtepMAC: lease.vtepMAC
        )
    }

    /// 1. Each lease's own fields.
    private mutating func checkFields(netConf: NetConf, type: (Lease) -> BackendType) {
        for index in leases.indices where index != own {
            if let (reason, message) = Self.fieldProblem(leases[index], netConf: netConf, type: type(leases[index])) {
                skip(index, reason, message)
            }
        }
    }

    /// What is wrong with a peer's lease on its own (no other lease needed to tell), or nil.
    /// Shared with `IncrementalPeers`, which must judge a changed lease exactly as this does.
    static func fieldProblem(_ lease: Lease, netConf: NetConf, type: BackendType) -> (SkippedPeer.Reason, String)? {
        let network = netConf.network
        if !network.contains(lease.subnet) {
            return (.outsideNetwork, "subnet \(lease.subnet) is outside Network \(network)")
        } else if let reason = lease.publicIP.nonUnicastReason {
            return (.invalidPublicIP, "PublicIP: \(lease.publicIP) is \(reason); expected the node's unicast address")
        } else if network.contains(lease.publicIP) {
            return (
                .invalidPublicIP,
                "PublicIP: \(lease.publicIP) is inside Network \(network): a node's address cannot be a pod address"
            )
        } else if let mac = lease.vtepMAC, let reason = mac.nonUnicastReason {
            return (.invalidVtepMAC, "BackendData.VtepMAC: \(mac) is \(reason); expected a unicast MAC")
        } else if type == .vxlan, lease.vtepMAC == nil {
            return (.missingVtepMAC, "vxlan lease has no BackendData.VtepMAC")
        } else if type == .vxlan, let vni = lease.vni, vni != netConf.backend.vni {
            return (
                .vniMismatch,
                "BackendData.VNI: \(vni) differs from net-conf's VNI \(netConf.backend.vni): its vxlan traffic would be dropped"
            )
        }
        return nil
    }

    /// 2a. Subnets that overlap: both peers are skipped (or the peer alone, when the other is
    /// this node or a record that did not parse), each naming the other.
    private mutating func checkOverlaps(with records: [RejectedLease]) {
        var pairs: [(Int?, Int?)] = []
        Self.overlaps(leases: leases, rejected: records) { pairs.append(($0, $1)) }
        for (first, second) in pairs {
            let a = first.map { leases[$0].displayName }, b = second.map { leases[$0].displayName }
            let subnetA = first.map { leases[$0].subnet }, subnetB = second.map { leases[$0].subnet }
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
        var byPublicIP: [IPv4Address: Int] = [:]
        var byMAC: [UInt64: Int] = [:]
        byPublicIP.reserveCapacity(leases.count)
        byMAC.reserveCapacity(leases.count)
        for index in leases.indices {
            let lease = leases[index]
            if let other = byPublicIP.updateValue(index, forKey: lease.publicIP) {
                let message = "PublicIP \(lease.publicIP) is also the PublicIP of"
                skip(other, .duplicatePublicIP, "\(message) \(lease.displayName)")
                skip(index, .duplicatePublicIP, "\(message) \(leases[other].displayName)")
                if other == own { byPublicIP[lease.publicIP] = own }
            }
            guard let mac = lease.vtepMAC, type(lease) == .vxlan || index == own else { continue }
            if let other = byMAC.updateValue(index, forKey: mac.value) {
                let message = "BackendData.VtepMAC \(mac) is also the VtepMAC of"
                skip(other, .duplicateVtepMAC, "\(message) \(lease.displayName)")
                skip(index, .duplicateVtepMAC, "\(message) \(leases[other].displayName)")
                if other == own { byMAC[mac.value] = own }
            }
        }
        for record in records {
            if let ip = record.publicIP, let index = byPublicIP[ip] {
                skip(index, .duplicatePublicIP, "PublicIP \(ip) is also the PublicIP of \(record.key), a lease that did not parse")
            }
            if let mac = record.vtepMAC, let index = byMAC[mac.value] {
                skip(index, .duplicateVtepMAC, "BackendData.VtepMAC \(mac) is also the VtepMAC of \(record.key), a lease that did not parse")
            }
        }
    }

    /// 3. Reachability, asked last and only of peers still in: host-gw needs the peer on-link.
    private mutating func checkReachability(facts: LinkFacts, type: (Lease) -> BackendType) {
        for index in leases.indices where index != own && skipReasons[index] == nil {
            if let message = Self.reachabilityProblem(leases[index], facts: facts, type: type(leases[index])) {
                skip(index, .notOnLink, message)
            }
        }
    }

    /// Why a peer that passed every other check cannot be reached, or nil.
    static func reachabilityProblem(_ lease: Lease, facts: LinkFacts, type: BackendType) -> String? {
        guard type == .hostGW, !facts.isOnLink(lease.publicIP) else { return nil }
        return "host-gw cannot reach \(lease.subnet) via \(lease.publicIP): the peer is not on-link on \(facts.underlay)"
    }

    /// A record that did not parse, as a skipped peer; its message names the field without
    /// repeating the key.
    private static func skipped(_ record: RejectedLease, source: String?) -> SkippedPeer {
        var message = record.error.message
        if let field = record.error.field {
            let prefix = record.key + ": "
            let inner = field.hasPrefix(prefix) ? String(field.dropFirst(prefix.count)) : (field == record.key ? nil : field)
            if let inner { message = "\(inner): \(message)" }
        }
        return SkippedPeer(
            key: record.key, reason: .invalidLease, message: message, source: record.error.source ?? source,
            subnet: record.subnet, publicIP: record.publicIP, vtepMAC: record.vtepMAC
        )
    }

    /// Calls `report` for each pair of overlapping subnets among the leases and the rejected
    /// records whose subnet is known (nil stands for a rejected record). Sorted by start
    /// address, a subnet overlaps an earlier one exactly when it starts at or before the
    /// furthest end seen so far; each subnet is reported against that widest one.
    private static func overlaps(leases: [Lease], rejected: [RejectedLease], report: (Int?, Int?) -> Void) {
        var order: [(subnet: IPv4Prefix, index: Int?)] = []
        order.reserveCapacity(leases.count + rejected.count)
        for index in leases.indices { order.append((leases[index].subnet, index)) }
        for record in rejected { if let subnet = record.subnet { order.append((subnet, nil)) } }
        order.sort { ($0.subnet.address.value, $0.subnet.length) < ($1.subnet.address.value, $1.subnet.length) }
        var widest: (subnet: IPv4Prefix, index: Int?)?
        for entry in order {
            if let current = widest, current.subnet.lastAddress >= entry.subnet.address {
                if current.index != nil || entry.index != nil { report(current.index, entry.index) }
                if entry.subnet.lastAddress > current.subnet.lastAddress { widest = entry }
            } else {
                widest = entry
            }
        }
    }
}
