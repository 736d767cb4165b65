import NetState
import Planner
import Testing

/// `observe` lists the owned part of an observation from filtered arrays; it must print exactly
/// what the owned state's own listing prints, on every random observation the planner's
/// property test builds (foreign routes, learnt neighbours, other devices, stale entries).
@Suite struct OwnedListingTests {
    @Test func listsExactlyTheOwnedStateDescription() {
        var mismatches: [UInt64] = []
        var nonEmpty = 0
        for seed in UInt64(0x0b5e_0000)..<UInt64(0x0b5e_0000 + 500) {
            let scenario = RandomScenario(seed: seed)
            for state in [scenario.observed, scenario.desired] {
                let owned = scenario.ownership.ownedPart(of: state)
                if !owned.isEmpty { nonEmpty += 1 }
                if scenario.ownership.ownedListing(of: state).string != owned.description { mismatches.append(seed) }
            }
        }
        #expect(mismatches.isEmpty, "seeds \(mismatches.prefix(5))")
        #expect(nonEmpty > 500, "the scenarios must hold owned objects to compare")
    }

    @Test func leavesForeignObjectsOut() {
        var state = PF.state(vxlan: [1, 2])  // 1 is this node's own subnet: its route is foreign
        let foreign = Route(key: Route.Key(destination: IPv4Prefix(address: IPv4Address(192, 168, 9, 0), length: 24)), device: "eth0")
        state.routes[foreign.key] = foreign
        let listing = PF.ownership.ownedListing(of: state).string
        #expect(!listing.contains("192.168.9.0"))
        #expect(!listing.contains("10.244.1.0/24"))
        #expect(listing.contains("10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink"))
    }
}
