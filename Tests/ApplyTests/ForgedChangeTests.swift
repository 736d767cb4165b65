import TestSupport
import Apply
import CMnl
import Glibc
import NetState
import Netlink
import Planner
import Testing

/// The executor's half of the safety contract: whatever produced a plan (a hand-edited plan
/// file, a planner bug), one change against an object the contract does not grant makes
/// `Applier.apply` refuse the whole plan before it sends a single byte. Random foreign objects
/// of every kind are forged into changes and hidden at a random place among valid changes.
/// Every failure message starts with the seed.
@Suite struct ForgedChangeTests {
    static let iterations: UInt64 = 1_500
    static let firstSeed: UInt64 = 0xf0_5eed_0000
    static let device = "flannel.1"
    static let cluster = IPv4Prefix(address: IPv4Address(10, 244, 0, 0), length: 16)
    static let ownSubnet = IPv4Prefix(address: IPv4Address(10, 244, 1, 0), length: 24)
    static let protocols: [RouteProtocol] = [
        .boot, .static, .kernel, RouteProtocol(rawValue: 12), RouteProtocol(rawValue: 11), RouteProtocol(rawValue: 186),
        RouteProtocol(rawValue: 16),
    ]
    static let otherDevices = ["eth1", "cni0", "docker0", "flannel.2", "vxlan0"]
    static let learntStates: [NeighborState] = [.incomplete, .reachable, .stale, .delay, .probe, .failed, .noarp]

    static func subnet(_ n: UInt8) -> IPv4Prefix { IPv4Prefix(address: IPv4Address(10, 244, n, 0), length: 24) }
    static func publicIP(_ n: UInt8) -> IPv4Address { IPv4Address(192, 168, 1, 10 &+ n) }
    static func mac(_ n: UInt8) -> MACAddress { MACAddress(0x0200_0000_0000 | UInt64(n)) }

    static let link = VxlanLink(
        name: device, vni: 1, local: .v4(IPv4Address(192, 168, 1, 11)), underlay: "eth0", mtu: 1450, mac: MACAddress(0x12c6_6589_b4e3),
        addresses: [InterfaceAddress(address: ownSubnet.address, length: 32)]
    )

    // Objects as flannel programs them for peer n.
    static func vxlanRoute(_ n: UInt8) -> Route {
        Route(key: Route.Key(destination: subnet(n)), gateway: .v4(subnet(n).address), device: device, onLink: true)
    }
    static func directRoute(_ n: UInt8) -> Route { Route(key: Route.Key(destination: subnet(n)), gateway: .v4(publicIP(n)), device: "eth0") }
    static func neighbor(_ n: UInt8) -> Neighbor { Neighbor(key: Neighbor.Key(device: device, ip: subnet(n).address), lladdr: mac(n)) }
    static func fdb(_ n: UInt8) -> FdbEntry { FdbEntry(device: device, mac: mac(n), destination: .v4(publicIP(n))) }

    /// A random contract: one or two lease lengths, and skipped peers among 20…29.
    static func contract(_ random: inout SplitMix64) -> (Ownership, skipped: [UInt8]) {
        let skipped = (UInt8(20)...29).filter { _ in random.chance(0.3) }
        let objects = SkippedObjects(
            subnets: Set(skipped.map { IPPrefix.v4(subnet($0)) }), publicIPs: Set(skipped.filter { _ in random.chance(0.7) }.map { IPAddress.v4(publicIP($0)) }),
            macs: Set(skipped.filter { _ in random.chance(0.7) }.map(mac))
        )
        let ownership = Ownership(
            cluster: cluster, ownSubnet: ownSubnet, vxlanDevice: device, underlay: "eth0",
            subnetLengths: random.chance(0.3) ? [24, 26] : [24], skipped: objects
        )
        return (ownership, skipped)
    }

    /// Valid changes to peers 2…19: what a real plan holds.
    static func validChanges(_ random: inout SplitMix64) -> [Change] {
        var changes: [Change] = []
        if random.chance(0.2) { changes.append(.createLink(link)) }
        for peer in UInt8(2)...19 where random.chance(0.3) {
            switch Int.random(in: 0..<4, using: &random) {
            case 0: changes += [.fdb(.create(fdb(peer))), .neighbor(.create(neighbor(peer))), .route(.create(vxlanRoute(peer)))]
            case 1: changes.append(.route(.create(directRoute(peer))))
            case 2: changes.append(.route(.replace(old: directRoute(peer), new: vxlanRoute(peer))))
            default: changes += [.route(.delete(vxlanRoute(peer))), .neighbor(.delete(neighbor(peer))), .fdb(.delete(fdb(peer)))]
            }
        }
        if random.chance(0.3) {
            let learnt = Neighbor(key: neighbor(3).key, lladdr: nil, state: random.pick(learntStates))
            changes.append(.neighbor(.replace(old: learnt, new: neighbor(3))))
        }
        if random.chance(0.3) { changes.append(.table(.create(NftTable(key: NftTable.flannelKey, chains: [])))) }
        return changes
    }

    /// A destination in the cluster: often a peer's subnet, a skipped one's too.
    static func clusterDestination(length: UInt8, skipped: [UInt8], _ random: inout SplitMix64) -> IPv4Prefix {
        let peer = !skipped.isEmpty && random.chance(0.3) ? random.pick(skipped) : UInt8.random(in: 2...19, using: &random)
        let address = random.chance(0.6)
            ? subnet(peer).address
            : IPv4Address(10, 244, UInt8.random(in: 0...255, using: &random), UInt8.random(in: 0...255, using: &random))
        return IPv4Prefix(address: address, length: length)
    }

    /// A route the contract does not grant, for one reason picked at random.
    static func foreignRoute(_ ownership: Ownership, skipped: [UInt8], _ random: inout SplitMix64) -> Route {
        let leaseLength = random.pick((ownership.ipv4?.subnetLengths ?? []))
        let metric: UInt32 = random.pick([0, 0, 100, 600])
        func shaped(_ destination: IPv4Prefix, _ random: inout SplitMix64) -> Route {
            random.chance(0.5)
                ? Route(key: Route.Key(destination: destination, metric: metric), gateway: .v4(publicIP(UInt8.random(in: 2...19, using: &random))), device: "eth0")
                : Route(key: Route.Key(destination: destination, metric: metric), gateway: .v4(destination.address), device: device, onLink: true)
        }
        switch Int.random(in: 0..<10, using: &random) {
        case 0: // the default route
            return Route(
                key: Route.Key(destination: IPv4Prefix(address: IPv4Address(0), length: 0), metric: metric),
                gateway: .v4(IPv4Address(192, 168, 1, 1)), device: random.pick(["eth0", device]), proto: random.pick(protocols)
            )
        case 1: // another protocol
            var route = shaped(clusterDestination(length: random.chance(0.6) ? leaseLength : UInt8.random(in: 0...32, using: &random), skipped: skipped, &random), &random)
            route.proto = random.pick(protocols.filter { $0 != .boot })
            return route
        case 2: // a length no lease has
            let length = random.pick((0...32).filter { !(ownership.ipv4?.subnetLengths ?? []).contains($0) })
            return shaped(clusterDestination(length: length, skipped: skipped, &random), &random)
        case 3: // outside the cluster
            var address = IPv4Address(UInt32.random(in: 0...UInt32.max, using: &random))
            if cluster.contains(address) { address = IPv4Address(address.value ^ 0x8000_0000) }
            var route = shaped(IPv4Prefix(address: address, length: UInt8.random(in: 0...32, using: &random)), &random)
            route.proto = random.pick(protocols)
            return route
        case 4: // another table
            var route = shaped(clusterDestination(length: leaseLength, skipped: skipped, &random), &random)
            route.key.table = RouteTable(rawValue: random.pick([100, 200, 253, 255]))
            return route
        case 5: // not unicast
            return Route(
                key: Route.Key(destination: clusterDestination(length: leaseLength, skipped: skipped, &random), metric: metric),
                type: random.pick([.blackhole, .unreachable, .prohibit, .local])
            )
        case 6: // the wrong device
            var route = shaped(clusterDestination(length: leaseLength, skipped: skipped, &random), &random)
            route.device = random.pick(otherDevices)
            if random.chance(0.5) { route.gateway = nil; route.onLink = false; route.scope = .link }
            return route
        case 7: // the underlay without a gateway
            return Route(key: Route.Key(destination: clusterDestination(length: leaseLength, skipped: skipped, &random), metric: metric), device: "eth0", scope: .link)
        case 8: // inside our own lease, or the cluster route itself
            return random.chance(0.5)
                ? shaped(IPv4Prefix(address: IPv4Address(10, 244, 1, UInt8.random(in: 0...255, using: &random)), length: random.pick([24, 26, 32])), &random)
                : shaped(cluster, &random)
        default: // a skipped peer's, exactly flannel's shape
            if skipped.isEmpty { return shaped(cluster, &random) }
            return shaped(subnet(random.pick(skipped)), &random)
        }
    }

    /// One change the contract must refuse, built from a random foreign object.
    static func forgedChange(_ ownership: Ownership, skipped: [UInt8], _ random: inout SplitMix64) -> Change {
        let route = foreignRoute(ownership, skipped: skipped, &random)
        let otherDevice = random.pick(otherDevices + ["eth0"])
        let someMAC = random.chance(0.5) ? mac(UInt8.random(in: 2...19, using: &random)) : MACAddress(UInt64.random(in: 0...0xfeff_ffff_ffff, using: &random))
        switch Int.random(in: 0..<16, using: &random) {
        case 0, 1: return .route(.delete(route))
        case 2, 3:
            var new = route
            new.proto = .boot
            new.device = device
            new.gateway = route.key.destination.address
            new.onLink = true
            return .route(.replace(old: route, new: new))
        case 4:
            var old = route
            old.proto = .boot
            old.gateway = .v4(publicIP(4))
            old.device = "eth0"
            return ownership.owns(old) ? .route(.replace(old: old, new: route)) : .route(.replace(old: route, new: old))
        case 5, 6: return .route(.create(route))
        case 7: // a neighbour on another device, or a learnt one on ours
            let neighbor = random.chance(0.5)
                ? Neighbor(key: Neighbor.Key(device: otherDevice, ip: subnet(UInt8.random(in: 2...19, using: &random)).address), lladdr: someMAC, state: random.pick(learntStates + [.permanent]))
                : Neighbor(key: Neighbor.Key(device: device, ip: subnet(UInt8.random(in: 2...19, using: &random)).address), lladdr: someMAC, state: random.pick(learntStates))
            return random.chance(0.8) || neighbor.key.device == device ? .neighbor(.delete(neighbor)) : .neighbor(.create(neighbor))
        case 8: // an FDB entry on another device, or a bridge / destination-less one on ours
            let entry: FdbEntry = switch Int.random(in: 0..<3, using: &random) {
            case 0: FdbEntry(key: FdbEntry.Key(device: otherDevice, mac: someMAC), destination: .v4(publicIP(5)), isSelf: random.chance(0.5))
            case 1: FdbEntry(key: FdbEntry.Key(device: device, mac: someMAC), destination: .v4(publicIP(5)), isSelf: false)
            default: FdbEntry(key: FdbEntry.Key(device: device, mac: random.chance(0.5) ? MACAddress(0) : someMAC), destination: nil)
            }
            return random.chance(0.8) || entry.key.device == device ? .fdb(.delete(entry)) : .fdb(.create(entry))
        case 9: // a skipped peer's neighbour or FDB entry, as flannel made them
            guard let peer = skipped.isEmpty ? nil : random.pick(skipped) else { return .deleteLink(otherLink(random.pick(otherDevices))) }
            let theirs = neighbor(peer)
            let entry = FdbEntry(device: device, mac: ownership.skipped.macs.contains(mac(peer)) ? mac(peer) : someMAC, destination: .v4(publicIP(peer)))
            if !ownership.skipped.protects(entry) { return .neighbor(.delete(theirs)) }
            let learnt = Neighbor(key: theirs.key, lladdr: nil, state: .stale)
            return random.pick([
                .neighbor(.delete(theirs)), .neighbor(.create(theirs)), .neighbor(.replace(old: learnt, new: theirs)),
                .fdb(.delete(entry)), .fdb(.create(entry)),
                .fdb(.replace(old: FdbEntry(key: entry.key, destination: nil, isSelf: false), new: entry)),
            ])
        case 10, 11: // another device
            let other = otherLink(random.pick(otherDevices))
            return random.pick([.deleteLink(other), .createLink(other), .modifyLink(old: link, new: other), .recreateLink(old: other, new: link)])
        case 12, 13: // another table
            let key = random.pick([
                NftTable.Key(family: .ip, name: "nat"), NftTable.Key(family: .inet, name: "flannel-ipv4"),
                // flannel's IPv6 table is ours too (`ip6 flannel-ipv6`); its name in another
                // family is not.
                NftTable.Key(family: .ip, name: "flannel-ipv6"), NftTable.Key(family: .ip, name: "kube-proxy"),
                NftTable.Key(family: .ip, name: "filter"), NftTable.Key(family: .ip6, name: "nat"),
                NftTable.Key(family: .inet, name: "flannel-ipv6"),
            ])
            let table = NftTable(key: key, chains: [])
            let ours = NftTable(key: NftTable.flannelKey, chains: [])
            return random.pick([.table(.delete(table)), .table(.create(table)), .table(.replace(old: table, new: ours))])
        case 14: // an address on another device
            let address = DeviceAddress(device: otherDevice, address: InterfaceAddress(address: IPv4Address(10, 244, 1, 0), length: 32))
            return random.pick([.address(.create(address)), .address(.delete(address))])
        default: // a route on our own device, but of another protocol
            var onDevice = vxlanRoute(UInt8.random(in: 2...19, using: &random))
            onDevice.proto = random.pick(protocols.filter { $0 != .boot })
            return random.pick([.route(.create(onDevice)), .route(.delete(onDevice))])
        }
    }

    static func otherLink(_ name: String) -> VxlanLink {
        var other = link
        other.name = name
        return other
    }

    @Test func aForgedChangeAgainstAForeignObjectIsRefusedBeforeAnythingIsSent() {
        var failures: [String] = []
        var kinds: [String: Int] = [:]
        var sentControls = 0
        for seed in Self.firstSeed..<(Self.firstSeed + Self.iterations) {
            var random = SplitMix64(seed: seed)
            let (ownership, skipped) = Self.contract(&random)
            let valid = Self.validChanges(&random)
            let forged = Self.forgedChange(ownership, skipped: skipped, &random)
            var problems: [String] = []
            kinds["\(forged.kind) \(forged.action)", default: 0] += 1

            // The valid changes alone pass the check: the refusal below is the forged change's.
            if let refused = ownership.firstRefusal(in: valid) { problems.append("a valid change is refused: \(refused)") }
            if ownership.refusal(of: forged) == nil { problems.append("the contract accepts \(forged)") }

            var changes = valid
            changes.insert(forged, at: Int.random(in: 0...valid.count, using: &random))
            guard !valid.contains(forged) else { continue }
            let kernel = FakeRouteKernel(devices: ["lo": 1, "eth0": 2, "eth1": 3, "cni0": 4, "docker0": 5, "flannel.2": 6, Self.device: 7])
            let tables = RecordingNftApplier()
            let plan = Plan(changes: changes, fingerprint: "0", ownership: ownership)
            let report = Applier().apply(plan, using: kernel, tables: tables)
            if !kernel.sends.isEmpty { problems.append("\(kernel.sends.count) sendmsg calls were made") }
            if !tables.batches.isEmpty { problems.append("\(tables.batches.count) nf_tables batches were applied") }
            if report.failure?.change != forged { problems.append("the failure is \(report.failure.map { $0.description } ?? "none")") }
            if report.failure?.error.errno != EPERM { problems.append("the failure's errno is \(report.failure?.error.errno ?? 0)") }
            if report.notAttempted != valid { problems.append("not attempted: \(report.notAttempted) instead of every other change") }
            if !report.applied.isEmpty || !report.alreadyConverged.isEmpty || !report.appliedAfterFailure.isEmpty
                || !report.failedAfterFailure.isEmpty || !report.unsupported.isEmpty || report.requestBatches != 0 || report.isComplete {
                problems.append("the report says something was done: \(report)")
            }

            // Control: without the forged change, the same plan is sent.
            if !valid.isEmpty && !valid.allSatisfy({ if case .table = $0 { true } else { false } }) {
                let control = FakeRouteKernel(devices: ["lo": 1, "eth0": 2, Self.device: 7])
                _ = Applier().apply(Plan(changes: valid, fingerprint: "0", ownership: ownership), using: control, tables: RecordingNftApplier())
                if control.changeSends.isEmpty { problems.append("the valid changes alone were not sent") } else { sentControls += 1 }
            }
            if !problems.isEmpty {
                failures.append("seed \(seed): forged \(forged) under \(ownership.skipped):\n  " + problems.joined(separator: "\n  "))
            }
        }
        for failure in failures.prefix(5) { Issue.record(Comment(rawValue: failure)) }
        print("forged changes: seeds \(Self.firstSeed)..<\(Self.firstSeed + Self.iterations), \(failures.count) failed; \(kinds.sorted { $0.key < $1.key })")
        #expect(failures.isEmpty, "\(failures.count) of \(Self.iterations) seeds failed")
        // Every kind of change is forged, and the controls did reach the kernel.
        for kind in ["route create", "route replace", "route delete", "neigh delete", "neigh create", "fdb delete", "fdb create",
                     "link delete", "link create", "link replace", "link recreate", "nft delete", "nft create", "nft replace",
                     "addr create", "addr delete"] {
            #expect(kinds[kind, default: 0] >= 10, "\(kind): \(kinds[kind, default: 0])")
        }
        #expect(sentControls > Int(Self.iterations) / 2)
    }
}

