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

    init(
        leases: [Lease], rejected records: [RejectedLease], own: Int, netConf: NetConf, facts: LinkFacts,
        type: (Lease) -> BackendType, source: String?
    ) {
        skipReasons = Array(repeating: nil, count: leases.count)
        let network = netConf.network
        func skip(_ index: Int, _ reason: SkippedPeer.Reason, _ message: String) {
            guard index != own, skipReasons[index] == nil else { return }
            let lease = leases[index]
            skipReasons[index] = SkippedPeer(
                key: lease.displayName, reason: reason, message: message, source: source, subnet: lease.subnet,
                publicIP: lease.publicIP, vtepMAC: lease.vtepMAC
            )
        }

        // 1. Each lease's own fields.
        for index in leases.indices where index != own {
            let lease = leases[index]
            if !network.contains(lease.subnet) {
                skip(index, .outsideNetwork, "subnet \(lease.subnet) is outside Network \(network)")
            } else if let reason = lease.publicIP.nonUnicastReason {
                skip(index, .invalidPublicIP, "PublicIP: \(lease.publicIP) is \(reason); expected the node's unicast address")
            } else if network.contains(lease.publicIP) {
                skip(
                    index, .invalidPublicIP,
                    "PublicIP: \(lease.publicIP) is inside Network \(network): a node's address cannot be a pod address"
                )
            } else if let mac = lease.vtepMAC, let reason = mac.nonUnicastReason {
                skip(index, .invalidVtepMAC, "BackendData.VtepMAC: \(mac) is \(reason); expected a unicast MAC")
            } else if type(lease) == .vxlan, lease.vtepMAC == nil {
                skip(index, .missingVtepMAC, "vxlan lease has no BackendData.VtepMAC")
            } else if type(lease) == .vxlan, let vni = lease.vni, vni != netConf.backend.vni {
                skip(
                    index, .vniMismatch,
                    "BackendData.VNI: \(vni) differs from net-conf's VNI \(netConf.backend.vni): its vxlan traffic would be dropped"
                )
            }
        }

        // 2. Clashes between leases: both peers are skipped (or the peer alone, when the other
        // is this node), each naming the other.
        Self.overlaps(leases: leases, rejected: records) { first, second in
            let a = first.map { leases[$0].displayName }, b = second.map { leases[$0].displayName }
            func words(_ other: String?) -> String { other ?? "an unreadable lease" }
            let subnetA = first.map { leases[$0].subnet }, subnetB = second.map { leases[$0].subnet }
            let what = subnetA == subnetB && subnetA != nil
                ? "both lease subnet \(subnetA.map(String.init(describing:)) ?? "")"
                : "subnets overlap"
            if let first { skip(first, .overlappingSubnet, "\(what) with \(words(b))") }
            if let second { skip(second, .overlappingSubnet, "\(what) with \(words(a))") }
        }
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

        // A record that did not parse keeps what it could of its PublicIP and VtepMAC, and its
        // objects stay as they are: a peer sharing one of them would fight over the FDB entry.
        for record in records {
            if let ip = record.publicIP, let index = byPublicIP[ip] {
                skip(index, .duplicatePublicIP, "PublicIP \(ip) is also the PublicIP of \(record.key), a lease that did not parse")
            }
            if let mac = record.vtepMAC, let index = byMAC[mac.value] {
                skip(index, .duplicateVtepMAC, "BackendData.VtepMAC \(mac) is also the VtepMAC of \(record.key), a lease that did not parse")
            }
        }

        // 3. Reachability, asked last and only of peers still in: host-gw needs the peer on-link.
        for index in leases.indices where index != own && skipReasons[index] == nil && type(leases[index]) == .hostGW {
            let lease = leases[index]
            if !facts.isOnLink(lease.publicIP) {
                skip(
                    index, .notOnLink,
                    "host-gw cannot reach \(lease.subnet) via \(lease.publicIP): the peer is not on-link on \(facts.underlay)"
                )
            }
        }

        self.rejected = records.map { record in
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
    }

    /// Every skipped peer, sorted by key.
    var skipped: [SkippedPeer] {
        (skipReasons.compactMap { $0 } + rejected).sorted { ($0.key, $0.message) < ($1.key, $1.message) }
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
