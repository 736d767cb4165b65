import Desired
import Foundation
@testable import LeaseSources
import NetState
import Testing

struct LeaseSafetyTests {
    func lease(_ third: UInt8) -> Lease {
        Lease(
            key: "/coreos.com/network/subnets/10.244.\(third).0-24",
            subnet: IPv4Prefix(address: IPv4Address(10, 244, third, 0), length: 24),
            publicIP: IPv4Address(172, 22, 0, third), backendType: .vxlan
        )
    }

    @Test func anEmptySetNeverReplacesANonEmptyOne() {
        let previous = LeaseSet(leases: [lease(1), lease(2)], source: "s")
        let refusal = LeaseSafety.refusal(of: LeaseSet(leases: [], source: "s"), previous: previous)
        #expect(refusal?.kind == .refused)
        #expect(refusal?.message.contains("listed 2") == true)
    }

    @Test func anEmptyFirstSetIsRefusedToo() {
        #expect(LeaseSafety.refusal(of: LeaseSet(leases: [], source: "s"), previous: nil)?.kind == .refused)
    }

    @Test func aShrinkingSetIsAccepted() {
        let previous = LeaseSet(leases: [lease(1), lease(2)], source: "s")
        #expect(LeaseSafety.refusal(of: LeaseSet(leases: [lease(1)], source: "s"), previous: previous) == nil)
    }

    /// The file source reports the current set, then a change, and a broken file as a failure.
    @Test func theFileSourceFollowsChanges() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("leasesrc-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("leases.json").path
        func write(_ subnets: [UInt8]) throws {
            let members = subnets.map { third in
                "\"/coreos.com/network/subnets/10.244.\(third).0-24\": {\"PublicIP\": \"172.22.0.\(third)\", \"BackendType\": \"host-gw\"}"
            }
            try ("{" + members.joined(separator: ",") + "}").write(toFile: path, atomically: true, encoding: .utf8)
        }
        try write([1, 2])
        let source = FileLeaseSource(path: path, pollInterval: .milliseconds(20))
        let events = EventBox()
        let task = Task { await source.follow { events.append($0) } }
        defer { task.cancel() }
        try await events.wait(count: 1)
        try write([1, 2, 3])
        try await events.wait(count: 2)
        try "{not json".write(toFile: path, atomically: true, encoding: .utf8)
        try await events.wait(count: 3)
        let seen = events.all
        guard case .leases(let first) = seen[0], case .leases(let second) = seen[1], case .failure(let failure) = seen[2] else {
            Issue.record("unexpected events: \(seen)")
            return
        }
        #expect(first.leases.count == 2)
        #expect(second.leases.count == 3)
        #expect(failure.kind == .invalid)
    }
}

final class EventBox: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [LeaseSourceEvent] = []

    func append(_ event: LeaseSourceEvent) {
        lock.lock(); defer { lock.unlock() }
        events.append(event)
    }

    var all: [LeaseSourceEvent] {
        lock.lock(); defer { lock.unlock() }
        return events
    }

    func wait(count: Int, timeout: Duration = .seconds(5)) async throws {
        let clock = ContinuousClock()
        let end = clock.now + timeout
        while all.count < count {
            guard clock.now < end else {
                Issue.record("only \(all.count) of \(count) events within \(timeout)")
                return
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
