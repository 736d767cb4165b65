import NetState
import Testing

@testable import Desired

@Suite struct LeaseValidationTests {
    typealias F = DesiredFixture

    static func lease(_ subnet: String, key: String? = nil) -> Lease {
        Lease(key: key ?? F.key(subnet), subnet: F.prefix(subnet), publicIP: F.ip("192.168.1.1"), backendType: .hostGW)
    }

    @Test func cleanLeasesHaveNoProblems() {
        let leases = ["10.244.0.0/24", "10.244.1.0/24", "10.244.2.0/25", "10.244.2.128/25", "10.244.255.0/24"].map { Self.lease($0) }
        #expect(LeaseValidation.problems(in: leases, network: F.network, source: nil).isEmpty)
        #expect(LeaseValidation.problems(in: [], network: F.network, source: nil).isEmpty)
    }

    @Test func findsEveryProblemInOneCall() {
        let leases = [
            Self.lease("10.244.5.0/24"),
            Self.lease("10.245.0.0/24"), // outside
            Self.lease("10.244.1.0/24", key: "one"),
            Self.lease("10.244.1.0/24", key: "two"), // duplicate of one
            Self.lease("10.244.8.0/22"),
            Self.lease("10.244.9.0/24"), // nested in 10.244.8.0/22
            Self.lease("192.168.0.0/24"), // outside
            Self.lease("10.244.20.0/24"),
            Self.lease("10.244.20.128/25"), // nested the other way round
        ]
        let problems = LeaseValidation.problems(in: leases, network: F.network, source: "leases.json")
        #expect(problems.map(\.code) == [
            .leaseOutsideNetwork, .leaseOutsideNetwork, .duplicateLease, .overlappingLeases, .overlappingLeases,
        ])
        #expect(problems.map(\.field) == [
            F.key("10.245.0.0/24"), F.key("192.168.0.0/24"), "one and two",
            "\(F.key("10.244.8.0/22")) and \(F.key("10.244.9.0/24"))",
            "\(F.key("10.244.20.0/24")) and \(F.key("10.244.20.128/25"))",
        ])
        #expect(problems.allSatisfy { $0.source == "leases.json" })
    }

    @Test func overlapWithASameStartPrefix() {
        let problems = LeaseValidation.problems(
            in: [Self.lease("10.244.0.0/24"), Self.lease("10.244.0.0/16")], network: F.network, source: nil
        )
        #expect(problems.map(\.code) == [.overlappingLeases])
        #expect(problems.first?.field == "\(F.key("10.244.0.0/16")) and \(F.key("10.244.0.0/24"))")
    }

    @Test func aLeaseSpanningManyOthersIsReportedAgainstEach() {
        let leases = [Self.lease("10.244.0.0/20")] + (1...5).map { Self.lease("10.244.\($0).0/24") }
        let problems = LeaseValidation.problems(in: leases, network: F.network, source: nil)
        #expect(problems.count == 5)
        #expect(problems.allSatisfy { $0.code == .overlappingLeases && $0.field?.hasPrefix(F.key("10.244.0.0/20")) == true })
    }

    @Test func adjacentPrefixesDoNotOverlap() {
        let leases = [Self.lease("10.244.0.0/25"), Self.lease("10.244.0.128/25"), Self.lease("10.244.1.0/24")]
        #expect(LeaseValidation.problems(in: leases, network: F.network, source: nil).isEmpty)
    }

    @Test func inputOrderDoesNotChangeTheAnswer() {
        let leases = ["10.244.3.0/24", "10.244.1.0/24", "10.244.0.0/22", "10.244.7.0/24", "10.244.7.0/24", "10.99.0.0/24"]
            .enumerated().map { Self.lease($0.element, key: "k\($0.offset)") }
        let forward = LeaseValidation.problems(in: leases, network: F.network, source: nil)
        let backward = LeaseValidation.problems(in: leases.reversed(), network: F.network, source: nil)
        #expect(forward == backward)
        #expect(forward.count == 1 + 2 + 1)
    }

    /// Every lease that shares its subnet with another is a duplicate, even when a wider lease
    /// also covers both: the one-pass sweep only compares with the widest lease seen so far.
    @Test(.bug(id: "coretests-hidden-duplicate", "duplicate hidden behind a covering lease"))
    func duplicateInsideAWiderLeaseIsStillADuplicate() {
        let leases = [
            Self.lease("10.244.0.0/16", key: "wide"),
            Self.lease("10.244.1.0/24", key: "one"),
            Self.lease("10.244.1.0/24", key: "two"),
        ]
        let problems = LeaseValidation.problems(in: leases, network: IPv4Prefix(address: F.ip("10.0.0.0"), length: 8), source: nil)
        // Both of "one" and "two" are named (they are: each overlaps "wide")…
        #expect(problems.count == 2)
        #expect(problems.contains { $0.field?.contains("one") == true })
        #expect(problems.contains { $0.field?.contains("two") == true })
        // …and that "one" and "two" are the same subnet is said too.
        #expect(problems.contains { $0.code == .duplicateLease && $0.field == "one and two" })
    }

    /// 50,000 leases in one call: the sweep is a sort plus one pass, so this is quick.
    @Test func fiftyThousandLeases() {
        let network = IPv4Prefix(address: F.ip("10.0.0.0"), length: 8)
        var leases = (0..<50_000).map { index in
            Lease(
                key: "k\(index)", subnet: IPv4Prefix(address: IPv4Address(0x0a00_0000 | UInt32(index) << 4), length: 28),
                publicIP: IPv4Address(0xc0a8_0000 | UInt32(index)), backendType: .hostGW
            )
        }
        // Shuffle deterministically, then add one of each problem.
        var generator = SplitMix(seed: 42)
        leases.shuffle(using: &generator)
        #expect(LeaseValidation.problems(in: leases, network: network, source: nil).isEmpty)
        leases.append(Lease(key: "dup", subnet: leases[17].subnet, publicIP: F.ip("1.1.1.1"), backendType: .hostGW))
        leases.append(Lease(key: "out", subnet: F.prefix("11.0.0.0/24"), publicIP: F.ip("1.1.1.2"), backendType: .hostGW))
        leases.append(Lease(key: "wide", subnet: F.prefix("10.0.2.0/24"), publicIP: F.ip("1.1.1.3"), backendType: .hostGW))
        let problems = LeaseValidation.problems(in: leases, network: network, source: nil)
        #expect(problems.filter { $0.code == .leaseOutsideNetwork }.map(\.field) == ["out"])
        #expect(problems.filter { $0.code == .duplicateLease }.count == 1)
        // 10.0.2.0/24 covers 16 /28 leases: each is reported once.
        #expect(problems.filter { $0.code == .overlappingLeases }.count == 16)
    }
}

/// SplitMix64, so shuffles are the same on every run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
