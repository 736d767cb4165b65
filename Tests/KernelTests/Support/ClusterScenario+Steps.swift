import Foundation
import Testing

/// The steps of issue 4's cluster story, each an operator action followed by what it must prove.
/// The standalone scenario tests run one or two of them; the foreign-state test runs them all in
/// a row on the same cluster.
extension ClusterScenario {
    /// How flannel reaches each peer of node `index` under the current inputs (an oracle written
    /// from flannel-behaviour.md, independent of the tool's Desired target): a host-gw lease is
    /// reached directly; a vxlan lease through flannel.1, unless this node is vxlan itself with
    /// DirectRouting and both sit on the same underlay subnet. The device exists while this node
    /// or any peer is vxlan.
    func expectedPaths(node index: Int) throws -> (vxlan: [Int], direct: [Int], device: Bool) {
        let own = try cluster.node(index)
        var vxlan: [Int] = [], direct: [Int] = []
        for peer in members where peer != index {
            let onLink = try cluster.node(peer).underlaySubnet == own.underlaySubnet
            switch leases[peer] {
            case .hostGateway?: direct.append(peer)
            case .vxlan?:
                if leases[index] == .vxlan && directRouting && onLink { direct.append(peer) } else { vxlan.append(peer) }
            case nil: continue
            }
        }
        return (vxlan, direct, leases[index] == .vxlan || !vxlan.isEmpty)
    }

    /// Every member's owned kernel state is exactly what flannel would program.
    func expectFlannelState(_ step: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        for index in members {
            let paths = try expectedPaths(node: index)
            let mismatches = try flannelStateMismatches(node: index, vxlanPeers: paths.vxlan, directPeers: paths.direct, device: paths.device)
            #expect(mismatches.isEmpty, "\(step): \(mismatches.joined(separator: "\n"))", sourceLocation: sourceLocation)
        }
    }

    /// Every member's pod reaches every other member's pod, and every plan is empty.
    func expectConvergedAndConnected(_ step: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let unreachable = try unreachablePodPairs(among: members)
        #expect(unreachable.isEmpty, "\(step): pods that cannot reach each other: \(unreachable)", sourceLocation: sourceLocation)
        let pending = try nodesWithPendingChanges(members)
        #expect(pending.isEmpty, "\(step): plans that are not empty:\n\(pending.joined(separator: "\n"))", sourceLocation: sourceLocation)
    }

    /// Every ping ran (at least `minimum` requests) and lost nothing before it was stopped.
    static func expectNoLoss(_ step: String, _ results: [(pair: String, report: PingReport)], minimum: Int = 20,
                             sourceLocation: SourceLocation = #_sourceLocation) {
        for (pair, report) in results {
            #expect(report.transmitted >= minimum, "\(step) \(pair): only \(report.transmitted) pings sent", sourceLocation: sourceLocation)
            #expect(report.lostBeforeStop == 0,
                    "\(step) \(pair): lost \(report.lostBeforeStop) of \(report.transmitted), icmp_seq \(report.unansweredSequences.prefix(20))",
                    sourceLocation: sourceLocation)
        }
    }

    static func summary(_ results: [(pair: String, report: PingReport)]) -> String {
        let sent = results.map(\.report.transmitted).reduce(0, +)
        let lost = results.map(\.report.lostBeforeStop).reduce(0, +)
        return "\(results.count) pairs, \(sent) pings, \(lost) lost"
    }

    // MARK: - 1. vxlan from nothing

    /// Nothing flannel-like exists yet, so pods cannot reach each other; one apply per node
    /// connects them all, programs exactly flannel's objects, and leaves nothing to plan.
    func convergeOnVxlanFromNothing(sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(try !cluster.canPing(fromPod: 1, toPod: 2, count: 1, timeout: 0.3),
                "before any apply, pods of different nodes must not reach each other", sourceLocation: sourceLocation)
        try applyOnMembers()
        try expectFlannelState("vxlan from nothing", sourceLocation: sourceLocation)
        try expectConvergedAndConnected("vxlan from nothing", sourceLocation: sourceLocation)
    }

    // MARK: - 2. DirectRouting

    /// Turns on DirectRouting and applies node by node while every pair of pods pings every
    /// 10 ms. Returns the ping results.
    @discardableResult
    func switchToDirectRoutingUnderTraffic(sourceLocation: SourceLocation = #_sourceLocation) throws -> [(pair: String, report: PingReport)] {
        let pings = try startPings(Self.pairs(among: members))
        try setDirectRouting(true)
        for index in members {
            try apply(on: [index])
            Thread.sleep(forTimeInterval: 0.1)
        }
        let results = try pings.stop()
        Self.expectNoLoss("DirectRouting switch", results, sourceLocation: sourceLocation)
        try expectFlannelState("after DirectRouting", sourceLocation: sourceLocation)
        try expectConvergedAndConnected("after DirectRouting", sourceLocation: sourceLocation)
        return results
    }

    // MARK: - 3. A node leaves

    /// Removes `leaving`'s lease and applies on the others: nothing of it may remain on them.
    func leave(_ leaving: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let gone = try cluster.node(leaving)
        try setLease(leaving, nil)
        try applyOnMembers()
        for index in members {
            let traces = try (peerRoutes(node: index) + vxlanNeighbors(node: index) + vxlanFdb(node: index))
                .filter { $0.contains(gone.leaseSubnet) || $0.contains(gone.leaseGateway + " ") || $0.contains(gone.vtepMAC) || $0.contains(gone.publicIP) }
            #expect(traces.isEmpty, "n\(leaving) left but n\(index) still holds \(traces)", sourceLocation: sourceLocation)
        }
        try expectFlannelState("after n\(leaving) left", sourceLocation: sourceLocation)
        try expectConvergedAndConnected("after n\(leaving) left", sourceLocation: sourceLocation)
    }

    // MARK: - 4. Preflight for host-gw

    /// `check --backend host-gw` on node `index`.
    func checkHostGateway(node index: Int) throws -> CommandResult {
        try tool("check", node: index, ["--backend", "host-gw"])
    }

    // MARK: - 5. Rolling vxlan → host-gw

    /// Switches `order`'s leases to host-gw one at a time, applying on every member after each,
    /// while every pair of pods pings every 10 ms. Checks the mixed state after each step and,
    /// at the end, that flannel.1 is gone everywhere. Returns the ping results.
    @discardableResult
    func rollingSwitchToHostGatewayUnderTraffic(order: [Int], sourceLocation: SourceLocation = #_sourceLocation) throws
        -> [(pair: String, report: PingReport)]
    {
        let pings = try startPings(Self.pairs(among: members))
        for switching in order {
            try setLease(switching, .hostGateway)
            try applyOnMembers()
            try expectFlannelState("after n\(switching) switched to host-gw", sourceLocation: sourceLocation)
            Thread.sleep(forTimeInterval: 0.1)
        }
        let results = try pings.stop()
        Self.expectNoLoss("rolling host-gw switch", results, sourceLocation: sourceLocation)
        for index in members {
            #expect(try !hasVxlanDevice(node: index), "no lease is vxlan, yet n\(index) still has flannel.1", sourceLocation: sourceLocation)
        }
        try expectConvergedAndConnected("after the host-gw switch", sourceLocation: sourceLocation)
        return results
    }
}

// MARK: - 6. Drift

extension ClusterScenario {
    /// The `+ ~ -` lines of a text plan, in plan order.
    static func changeLines(_ planText: String) -> [String] {
        planText.split(separator: "\n").map(String.init).filter { $0.hasPrefix("+ ") || $0.hasPrefix("~ ") || $0.hasPrefix("- ") }
    }

    /// What `apply --plan` must leave alone when it refuses: the node's owned objects and its
    /// nf_tables ruleset, as text.
    func ownedListing(node index: Int) throws -> String {
        // IPv4 addresses only: the device's IPv6 link-local address loses its `tentative` flag
        // on its own when duplicate address detection ends, a second or so after creation.
        let device = try hasVxlanDevice(node: index)
            ? [try cluster.links(node: index, device: "flannel.1"), try cluster.ip(node: index, ["-4", "addr", "show", "dev", "flannel.1"]).stdout]
            : []
        return (try [peerRoutes(node: index), vxlanNeighbors(node: index), vxlanFdb(node: index)].map { $0.joined(separator: "\n") }
            + device + [try cluster.nftRuleset(node: index)]).joined(separator: "\n----\n")
    }

    /// Damages node `index` by hand with `commands`, then proves: traffic from its pod to each of
    /// `broken` is cut; `plan` shows exactly `repair`; the plan saved in `savedPlan` before the
    /// drift is refused as stale and changes nothing; `apply` restores every pod pair and leaves
    /// nothing to plan.
    func driftAndRepair(_ name: String, node index: Int, _ commands: [[String]], repair: [String], broken: [Int],
                        savedPlan: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        for command in commands {
            try cluster.exec(node: index, command)
        }
        let plan = try tool("plan", node: index, ["--detailed-exitcode"])
        #expect(plan.status == 2, "\(name): plan should find changes: \(plan.stdout)\(plan.stderr)", sourceLocation: sourceLocation)
        #expect(Self.changeLines(plan.stdout) == repair, "\(name): plan was\n\(plan.stdout)", sourceLocation: sourceLocation)
        #expect(plan.stdout.contains("Plan: \(repair.count) to add, 0 to change, 0 to destroy."),
                "\(name): \(plan.stdout)", sourceLocation: sourceLocation)

        let before = try ownedListing(node: index)
        let stale = try tool("apply", node: index, ["--plan", savedPlan])
        #expect(stale.status != 0, "\(name): a plan made before the drift was applied: \(stale.stdout)", sourceLocation: sourceLocation)
        #expect((stale.stdout + stale.stderr).contains("stale"), "\(name): \(stale.stdout)\(stale.stderr)", sourceLocation: sourceLocation)
        let after = try ownedListing(node: index)
        #expect(after == before, "\(name): the refused plan changed the kernel:\n\(Self.difference(before, after))",
                sourceLocation: sourceLocation)

        for peer in broken {
            #expect(try !cluster.canPing(fromPod: index, toPod: peer, count: 1, timeout: 0.3),
                    "\(name): n\(index)→n\(peer) still works, so the drift did not break what it should", sourceLocation: sourceLocation)
        }
        let applied = try tool("apply", node: index)
        #expect(applied.status == 0, "\(name): \(applied.stdout)\(applied.stderr)", sourceLocation: sourceLocation)
        try expectFlannelState("after repairing \(name)", sourceLocation: sourceLocation)
        try expectConvergedAndConnected("after repairing \(name)", sourceLocation: sourceLocation)
    }
}
