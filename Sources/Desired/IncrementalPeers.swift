import NetState

/// Plans a lease change peer by peer: what a full `DesiredState.compute` leaves behind, kept so
/// that a source's `LeaseDelta` changes just the objects of the peers it names.
///
/// At 5,000 leases the whole computation is 2.5 ms and a diff of two desired states as much
/// again; one peer is a few microseconds. The result must be exactly what the whole computation
/// would give for the new set, so every judgement that involves other leases is made here from
/// counts kept up to date, and whatever this cannot vouch for is refused (`Refusal`): then the
/// caller runs the whole computation, which also reports skipped peers. Refused, among others:
/// this node's own lease, a peer that was or would be skipped, a lease that another lease's
/// subnet, PublicIP or VtepMAC now clashes with, a record that did not parse, leases of another
/// length than the rest, and, on a node that is not vxlan, any lease that advertises vxlan (it
/// decides whether the vxlan device stays).
///
/// `PeerScreening.fieldProblem`, `reachabilityProblem` and `DesiredState.peerObjects` are the
/// same functions the whole computation uses; the property test in `IncrementalPeersTests`
/// holds the two paths equal on random clusters and deltas.
public struct IncrementalPeers: Sendable {
    /// Why a delta needs the whole computation.
    public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// The objects of the changed peers before and after, by key: `before` is what the state
    /// held (what the kernel holds after the pass that computed it), `after` what it holds now.
    public struct Change: Sendable, Equatable {
        public var before = NetworkState()
        public var after = NetworkState()
        /// How many keys of the delta changed a lease (identical re-reports do not count).
        public var peers = 0
    }

    private let netConf: NetConf
    private let options: DesiredOptions
    private let facts: LinkFacts
    private let node: NodeSelector
    private let own: Lease
    private let backend: BackendType
    /// Every lease of the set by key; a key twice makes every delta refused.
    private var leases: [String: Lease] = [:]
    private var duplicateKeys = false
    private var skipped: Set<String>
    private var rejected: Set<String>
    /// What each enabled family's judgements need, IPv4's first.
    private var families: [FamilyIndex]

    /// One family's counts: how many leases and records that did not parse claim each subnet,
    /// PublicIP and (vxlan leases, this node's and records) VtepMAC of the family.
    private struct FamilyIndex {
        let family: AddressFamily
        let device: String
        /// The one prefix length every lease's half and every record that did not parse has;
        /// nil when they differ (then overlaps are not a matter of equal keys and every delta
        /// is refused).
        let length: UInt8?
        var subnets: [IPPrefix: Int] = [:]
        var publicIPs: [IPAddress: Int] = [:]
        var macs: [UInt64: Int] = [:]
    }

    /// Indexes the set a whole computation was just made from. `desired` is its result.
    public init(
        netConf: NetConf, leases: [Lease], rejected: [RejectedLease], node: NodeSelector, facts: LinkFacts,
        options: DesiredOptions, desired: DesiredNode
    ) {
        self.netConf = netConf
        self.options = options
        self.facts = facts
        self.node = node
        own = desired.ownLease
        backend = desired.backend
        skipped = Set(desired.skipped.map(\.key))
        self.rejected = Set(rejected.map(\.key))
        self.leases.reserveCapacity(leases.count)
        families = desired.families.map { family in
            var lengths = Set(leases.lazy.compactMap { $0.half(family)?.subnet.length })
            lengths.formUnion(rejected.lazy.compactMap { $0.protected(family).subnet?.length })
            var index = FamilyIndex(
                family: family, device: netConf.vxlanDeviceName(family), length: lengths.count == 1 ? lengths.first : nil
            )
            index.subnets.reserveCapacity(leases.count + rejected.count)
            index.publicIPs.reserveCapacity(leases.count + rejected.count)
            index.macs.reserveCapacity(leases.count + rejected.count)
            for record in rejected {
                let (subnet, publicIP, vtepMAC) = record.protected(family)
                if let subnet { index.subnets[subnet, default: 0] += 1 }
                if let publicIP { index.publicIPs[publicIP, default: 0] += 1 }
                if let vtepMAC { index.macs[vtepMAC.value, default: 0] += 1 }
            }
            return index
        }
        for lease in leases {
            if self.leases.updateValue(lease, forKey: lease.key) != nil { duplicateKeys = true }
            count(lease, by: 1)
        }
    }

    /// Applies `delta` to `state` (the desired state of the set this was built or last advanced
    /// from) and returns the changed peers' objects before and after. Throws, leaving `state`
    /// as it was, when only the whole computation can say what the new set means; this value
    /// must then be rebuilt from that computation.
    public mutating func apply(_ delta: LeaseDelta, to state: inout NetworkState) throws(Refusal) -> Change {
        if duplicateKeys { throw Refusal(description: "two leases have one key") }
        for index in families where index.length == nil {
            throw Refusal(description: "\(FamilyFields.of(index.family).familyName) leases of several prefix lengths")
        }
        // Every judgement first; the state is changed only once all of them passed.
        var pairs: [(key: String, old: Lease?, new: Lease?)] = []
        pairs.reserveCapacity(delta.count)
        for key in delta.removed { pairs.append((key, leases[key], nil)) }
        for (key, lease) in delta.upserted { pairs.append((key, leases[key], lease)) }
        pairs.removeAll { $0.old == $0.new }
        for pair in pairs {
            if pair.key == own.key { throw Refusal(description: "this node's own lease changed") }
            if rejected.contains(pair.key) { throw Refusal(description: "\(pair.key) did not parse before") }
            if let old = pair.old, skipped.contains(old.displayName) { throw Refusal(description: "\(pair.key) was skipped") }
            if backend != .vxlan,
               [pair.old, pair.new].contains(where: { $0.map { netConf.backendType(of: $0) == .vxlan } ?? false }) {
                throw Refusal(description: "\(pair.key) advertises vxlan, which decides whether the vxlan device stays")
            }
        }
        // A peer that was not skipped clashed with nothing: taking it away frees its counts
        // and nothing else. The new leases are judged against what is left, one by one, so two
        // of them clashing with each other are caught too.
        for pair in pairs { if let old = pair.old { count(old, by: -1) } }
        for pair in pairs {
            guard let new = pair.new else { continue }
            try judge(new, key: pair.key)
            count(new, by: 1)
        }
        var change = Change(peers: pairs.count)
        change.before.vxlan = state.vxlan
        change.after.vxlan = state.vxlan
        change.before.vxlan6 = state.vxlan6
        change.after.vxlan6 = state.vxlan6
        // The old objects leave and the new ones arrive one table operation each, not one per
        // object: a state's tables are sorted arrays, and a delta of thousands of peers must
        // not move the rest of the table once per peer.
        var oldRoutes: [Route.Key] = [], oldNeighbors: [Neighbor.Key] = [], oldFdb: [FdbEntry.Key] = []
        for pair in pairs {
            guard let old = pair.old else { continue }
            for objects in objects(of: old) {
                if let route = objects.route { oldRoutes.append(route.key) }
                if let neighbor = objects.neighbor { oldNeighbors.append(neighbor.key) }
                if let entry = objects.fdb { oldFdb.append(entry.key) }
            }
        }
        var newRoutes: [Route] = [], newNeighbors: [Neighbor] = [], newFdb: [FdbEntry] = []
        for pair in pairs {
            guard let new = pair.new else {
                leases.removeValue(forKey: pair.key)
                continue
            }
            for objects in objects(of: new) {
                if let route = objects.route { newRoutes.append(route) }
                if let neighbor = objects.neighbor { newNeighbors.append(neighbor) }
                if let entry = objects.fdb { newFdb.append(entry) }
            }
            leases[pair.key] = new
        }
        // The last of two new objects with one key wins, as setting them one by one did.
        change.after.routes = KeyedTable(lastWins: newRoutes)
        change.after.neighbors = KeyedTable(lastWins: newNeighbors)
        change.after.fdb = KeyedTable(lastWins: newFdb)
        change.before.routes = Self.replace(oldRoutes, with: change.after.routes, in: &state.routes)
        change.before.neighbors = Self.replace(oldNeighbors, with: change.after.neighbors, in: &state.neighbors)
        change.before.fdb = Self.replace(oldFdb, with: change.after.fdb, in: &state.fdb)
        return change
    }

    /// Refuses a new or changed lease that the whole computation would skip in any family, or
    /// that would make it choose another lease as this node's.
    private func judge(_ lease: Lease, key: String) throws(Refusal) {
        let type = netConf.backendType(of: lease, override: options.backendOverride)
        switch node {
        case .name(let name) where lease.nodeName == name:
            throw Refusal(description: "\(key) claims this node's name")
        case .publicIP(.v4(let ip)) where lease.publicIP == ip:
            throw Refusal(description: "\(key) claims this node's PublicIP")
        case .publicIP(.v6(let ip)) where lease.publicIPv6 == ip:
            throw Refusal(description: "\(key) claims this node's PublicIPv6")
        case .automatic where (lease.publicIP.map(facts.isLocal) ?? false) || (lease.publicIPv6.map { facts.isLocal(.v6($0)) } ?? false):
            throw Refusal(description: "\(key) has an address of this node as its public address")
        default:
            break
        }
        for index in families {
            let fields = FamilyFields.of(index.family)
            guard let half = lease.half(index.family) else {
                throw Refusal(description: "\(key) would be skipped: \(PeerScreening.missingHalf(fields).1)")
            }
            if let length = index.length, half.subnet.length != length {
                throw Refusal(description: "\(key): subnet \(half.subnet) is not a /\(length) as the other leases are")
            }
            if let (_, message) = PeerScreening.fieldProblem(half, family: fields, netConf: netConf, type: type) {
                throw Refusal(description: "\(key) would be skipped: \(message)")
            }
            if index.subnets[half.subnet, default: 0] > 0 { throw Refusal(description: "\(key): subnet \(half.subnet) is taken") }
            // Screened: a half without a PublicIP has a field problem.
            guard let publicIP = half.publicIP else { continue }
            if index.publicIPs[publicIP, default: 0] > 0 {
                throw Refusal(description: "\(key): \(fields.publicIP) \(publicIP) is taken")
            }
            if type == .vxlan, let mac = half.vtepMAC, index.macs[mac.value, default: 0] > 0 {
                throw Refusal(description: "\(key): VtepMAC \(mac) is taken")
            }
            // Whether the peer is on-link decides its objects: only the kernel's answer for this
            // very address (looked up by the pass that computed the basis) is as good as the
            // whole computation's, which looks every such peer up.
            let directRouting = backend == .vxlan && netConf.backend.directRouting && type == .vxlan
            if type == .hostGW || directRouting {
                guard facts.routeLookups[publicIP] != nil else {
                    throw Refusal(description: "\(key): \(publicIP) was not looked up in the routing table")
                }
                if let message = PeerScreening.reachabilityProblem(half, facts: facts, type: type) {
                    throw Refusal(description: "\(key) would be skipped: \(message)")
                }
            }
        }
    }

    /// The lease's objects in every enabled family.
    /// Takes the objects of `old` keys out of `table` and puts `new` in, returning what was taken.
    /// A key that stays (a peer whose VtepMAC changed keeps its route and neighbour keys) is
    /// replaced where it is: only keys that come or go move the objects after them.
    private static func replace<Object: KeyedObject>(
        _ old: [Object.Key], with new: KeyedTable<Object>, in table: inout KeyedTable<Object>
    ) -> KeyedTable<Object> {
        let before = KeyedTable(old.compactMap { table[$0] })
        if old.count <= 16 {
            // A delta of a few peers: removed in place, no key list built.
            for key in old where new[key] == nil { table.removeValue(forKey: key) }
        } else {
            table.removeValues(forKeys: old.filter { new[$0] == nil })
        }
        table.merge(new) { _, new in new }
        return before
    }

    private func objects(of lease: Lease) -> [DesiredState.PeerObjects] {
        let type = netConf.backendType(of: lease, override: options.backendOverride)
        return families.compactMap { index in
            lease.half(index.family).map {
                DesiredState.peerObjects($0, type: type, backend: backend, netConf: netConf, facts: facts, device: index.device)
            }
        }
    }

    private mutating func count(_ lease: Lease, by step: Int) {
        let type = netConf.backendType(of: lease, override: options.backendOverride)
        for position in families.indices {
            guard let half = lease.half(families[position].family) else { continue }
            families[position].subnets[half.subnet, default: 0] += step
            if let ip = half.publicIP { families[position].publicIPs[ip, default: 0] += step }
            if let mac = half.vtepMAC, type == .vxlan || lease.key == own.key {
                families[position].macs[mac.value, default: 0] += step
            }
        }
    }
}
