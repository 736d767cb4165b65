import Desired
import Foundation
import Testing

@testable import LeaseSources

/// Watch messages applied to the etcd source's cache: what is reported for each, and that the
/// set after any sequence of events is the set a fresh list reads.
@Suite("etcd: watch events applied to the cache")
struct EtcdWatchCacheTests {
    static let prefix = "/coreos.com/network"
    static let source = "etcd://127.0.0.1:2379\(prefix)/subnets/"

    static func key(_ third: Int) -> String { "\(prefix)/subnets/10.244.\(third).0-24" }
    static func value(_ third: Int, mac: String? = nil) -> String {
        #"{"PublicIP":"172.22.0.\#(third)","BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"\#(mac ?? String(format: "0e:4c:8b:10:%02x:01", third))"}}"#
    }
    static func b64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    /// A `/v3/kv/range` answer holding `records`, sorted as etcd sorts keys.
    static func rangeBody(_ records: [String: String], revision: Int64) -> [UInt8] {
        let kvs = records.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }.map { key, value in
            #"{"key":"\#(b64(key))","create_revision":"2","mod_revision":"\#(revision)","version":"1","value":"\#(b64(value))"}"#
        }
        return Array(#"{"header":{"revision":"\#(revision)"},"kvs":[\#(kvs.joined(separator: ","))],"count":"\#(kvs.count)"}"#.utf8)
    }

    /// What a list of `records` reads, as the source builds it.
    static func listed(_ records: [String: String], revision: Int64 = 10) throws -> LeaseSet {
        let reading = try LeaseReader.read(rangeBody(records, revision: revision), source: source)
        return LeaseSet(leases: reading.leases, rejected: reading.rejected, source: "etcd://127.0.0.1:2379\(prefix)", revision: revision)
    }

    final class Reports: @unchecked Sendable {
        private let lock = NSLock()
        private var events: [LeaseSourceEvent] = []
        func add(_ event: LeaseSourceEvent) { lock.withLock { events.append(event) } }
        func take() -> [LeaseSourceEvent] { lock.withLock { defer { events = [] }; return events } }
    }

    static func follower(_ records: [String: String]) throws -> (EtcdLeaseSource.Follower, Reports) {
        let set = try listed(records)
        let reports = Reports()
        let cache = EtcdLeaseCache(
            subnetsPrefix: Array("\(prefix)/subnets/".utf8), recordSource: source, leases: set.leases, rejected: set.rejected)
        return (EtcdLeaseSource.Follower(cache: cache, set: set, report: { reports.add($0) }), reports)
    }

    enum Op { case put(String, String?), delete(String), raw(String) }

    static func message(_ ops: [Op], revision: Int64) -> String {
        let events = ops.enumerated().map { index, op -> String in
            let rev = revision - Int64(ops.count - 1 - index)
            switch op {
            case .put(let key, let value?):
                return #"{"kv":{"key":"\#(b64(key))","create_revision":"2","mod_revision":"\#(rev)","version":"2","value":"\#(b64(value))"}}"#
            case .put(let key, nil):
                return #"{"kv":{"key":"\#(b64(key))","mod_revision":"\#(rev)"}}"#
            case .delete(let key):
                return #"{"type":"DELETE","kv":{"key":"\#(b64(key))","mod_revision":"\#(rev)"}}"#
            case .raw(let text):
                return text
            }
        }
        return #"{"result":{"header":{"cluster_id":"1","member_id":"2","revision":"\#(revision)","raft_term":"2"},"events":[\#(events.joined(separator: ","))]}}"#
    }

    /// Feeds one line as the stream does; true when the stream goes on.
    static func feed(_ follower: inout EtcdLeaseSource.Follower, _ line: String) throws(LeaseSourceError) -> Bool {
        follower.handle(try EtcdLeaseSource.watchMessage(Array(line.utf8), source: "etcd://127.0.0.1:2379/v3/watch"))
    }

    static let five = Dictionary(uniqueKeysWithValues: (1...5).map { (key($0), value($0)) })

    @Test func aNewLeaseIsAnUpdateInListOrder() throws {
        var (follower, reports) = try Self.follower(Self.five)
        let added = Self.key(40)
        #expect(try Self.feed(&follower, Self.message([.put(added, Self.value(40))], revision: 11)))
        let events = reports.take()
        guard events.count == 1, case .update(let set, let delta) = events[0] else {
            Issue.record("expected one .update, got \(events)")
            return
        }
        #expect(Array(delta.upserted.keys) == [added])
        #expect(delta.removed.isEmpty)
        #expect(set.revision == 11)
        var records = Self.five
        records[added] = Self.value(40)
        let fresh = try Self.listed(records, revision: 11)
        #expect(set.leases == fresh.leases, "the order a list gives: \(set.leases.map(\.key))")
        #expect(set.leases.map(\.key).contains(added))
    }

    @Test func aChangedVtepMACIsAnUpdateOfThatKeyOnly() throws {
        var (follower, reports) = try Self.follower(Self.five)
        #expect(try Self.feed(&follower, Self.message([.put(Self.key(2), Self.value(2, mac: "0e:4c:8b:10:02:99"))], revision: 12)))
        let events = reports.take()
        guard events.count == 1, case .update(let set, let delta) = events[0] else {
            Issue.record("expected one .update, got \(events)")
            return
        }
        #expect(delta.count == 1)
        #expect(delta.upserted[Self.key(2)]?.vtepMAC?.description == "0e:4c:8b:10:02:99")
        #expect(set.leases.first { $0.key == Self.key(2) }?.vtepMAC?.description == "0e:4c:8b:10:02:99")
        var records = Self.five
        records[Self.key(2)] = Self.value(2, mac: "0e:4c:8b:10:02:99")
        #expect(set.leases == (try Self.listed(records)).leases)
        #expect(set.revision == 12)
    }

    @Test func anIdenticalPutOrTheDeleteOfAnUnknownKeyReportsNothing() throws {
        var (follower, reports) = try Self.follower(Self.five)
        // The same lease with its fields in another order and other spacing: the same lease.
        let reordered = #"{ "BackendData": {"VtepMAC":"0e:4c:8b:10:03:01","VNI":1}, "BackendType":"vxlan", "PublicIP":"172.22.0.3" }"#
        #expect(try Self.feed(&follower, Self.message([.put(Self.key(3), Self.value(3))], revision: 11)))
        #expect(try Self.feed(&follower, Self.message([.put(Self.key(3), reordered)], revision: 12)))
        #expect(try Self.feed(&follower, Self.message([.delete(Self.key(77))], revision: 13)))
        // Outside <prefix>/subnets/: ignored, even a lease-shaped one.
        #expect(try Self.feed(&follower, Self.message([.put("/other/subnets/10.244.9.0-24", Self.value(9))], revision: 14)))
        #expect(try Self.feed(&follower, Self.message([.put("\(Self.prefix)/config", #"{"Network":"10.0.0.0/8"}"#)], revision: 15)))
        #expect(reports.take().isEmpty)
        // The revision still moves, so the next report carries it.
        #expect(follower.set.revision == 15)
        // Creation acknowledgements and progress notifications are quiet.
        #expect(try Self.feed(&follower, #"{"result":{"header":{"revision":"16"},"created":true}}"#))
        #expect(reports.take().isEmpty)
    }

    @Test func aDeleteIsAnUpdateRemovingTheKey() throws {
        var (follower, reports) = try Self.follower(Self.five)
        #expect(try Self.feed(&follower, Self.message([.delete(Self.key(4))], revision: 11)))
        let events = reports.take()
        guard events.count == 1, case .update(let set, let delta) = events[0] else {
            Issue.record("expected one .update, got \(events)")
            return
        }
        #expect(delta.removed == [Self.key(4)])
        #expect(delta.upserted.isEmpty)
        var records = Self.five
        records[Self.key(4)] = nil
        #expect(set.leases == (try Self.listed(records)).leases)
    }

    @Test func aRecordThatStopsOrStartsParsingReportsTheWholeSet() throws {
        var (follower, reports) = try Self.follower(Self.five)
        let broken = #"{"PublicIP":"not-an-ip","BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"0e:4c:8b:10:02:01"}}"#
        #expect(try Self.feed(&follower, Self.message([.put(Self.key(2), broken)], revision: 11)))
        var events = reports.take()
        guard events.count == 1, case .leases(let set) = events[0] else {
            Issue.record("expected one .leases, got \(events)")
            return
        }
        var records = Self.five
        records[Self.key(2)] = broken
        let fresh = try Self.listed(records)
        #expect(set.leases == fresh.leases)
        #expect(set.rejected == fresh.rejected, "the same rejected record, error and all, as a list reads")
        #expect(set.rejected.map(\.key) == [Self.key(2)])
        #expect(set.rejected.first?.vtepMAC?.description == "0e:4c:8b:10:02:01", "salvaged as a list salvages it")

        // A rejected record that changes is a whole set too; one that parses again as well.
        #expect(try Self.feed(&follower, Self.message([.put(Self.key(2), #"{"PublicIP":"also-not"}"#)], revision: 12)))
        events = reports.take()
        #expect(events.count == 1 && { if case .leases = events[0] { true } else { false } }())
        #expect(try Self.feed(&follower, Self.message([.put(Self.key(2), Self.value(2))], revision: 13)))
        events = reports.take()
        guard events.count == 1, case .leases(let healed) = events[0] else {
            Issue.record("expected one .leases, got \(events)")
            return
        }
        #expect(healed.rejected.isEmpty)
        #expect(healed.leases == (try Self.listed(Self.five)).leases)
        // Deleting a rejected record changes which peers are skipped: a whole set.
        #expect(try Self.feed(&follower, Self.message([.put(Self.key(8), "{")], revision: 14)))
        #expect(try Self.feed(&follower, Self.message([.delete(Self.key(8))], revision: 15)))
        events = reports.take()
        #expect(events.count == 2)
        if case .leases(let last)? = events.last { #expect(last.rejected.isEmpty && last.revision == 15) } else { Issue.record("\(events)") }
    }

    /// `etcdctl del --prefix` empties the set, which the agent refuses (it keeps its last good
    /// set); the next change cannot be a delta from the emptied set, so it is reported whole.
    @Test func afterAnEmptiedPrefixTheNextChangeIsAWholeSet() throws {
        var (follower, reports) = try Self.follower(Self.five)
        #expect(try Self.feed(&follower, Self.message((1...5).map { .delete(Self.key($0)) }, revision: 11)))
        var events = reports.take()
        guard events.count == 1, case .update(let emptied, let delta) = events[0] else {
            Issue.record("expected one .update, got \(events)")
            return
        }
        #expect(emptied.leases.isEmpty && delta.removed.count == 5)
        #expect(try Self.feed(&follower, Self.message([.put(Self.key(1), Self.value(1))], revision: 12)))
        events = reports.take()
        guard events.count == 1, case .leases(let refilled) = events[0] else {
            Issue.record("expected one .leases, got \(events)")
            return
        }
        #expect(refilled.leases.map(\.key) == [Self.key(1)])
        // From a set the agent can take, deltas again.
        #expect(try Self.feed(&follower, Self.message([.put(Self.key(2), Self.value(2))], revision: 13)))
        events = reports.take()
        #expect(events.count == 1 && { if case .update = events[0] { true } else { false } }())
    }

    @Test func severalEventsInOneMessageAreOneUpdate() throws {
        var (follower, reports) = try Self.follower(Self.five)
        let line = Self.message([
            .put(Self.key(9), Self.value(9)), .put(Self.key(1), Self.value(1, mac: "0e:4c:8b:10:01:aa")), .delete(Self.key(5)),
            .put(Self.key(9), Self.value(9, mac: "0e:4c:8b:10:09:bb")), .put(Self.key(3), Self.value(3)),
        ], revision: 20)
        #expect(try Self.feed(&follower, line))
        let events = reports.take()
        guard events.count == 1, case .update(let set, let delta) = events[0] else {
            Issue.record("expected one .update, got \(events)")
            return
        }
        #expect(Set(delta.upserted.keys) == [Self.key(9), Self.key(1)])
        #expect(delta.upserted[Self.key(9)]?.vtepMAC?.description == "0e:4c:8b:10:09:bb", "the later event of a key wins")
        #expect(delta.removed == [Self.key(5)])
        #expect(set.revision == 20)
        var records = Self.five
        records[Self.key(9)] = Self.value(9, mac: "0e:4c:8b:10:09:bb")
        records[Self.key(1)] = Self.value(1, mac: "0e:4c:8b:10:01:aa")
        records[Self.key(5)] = nil
        #expect(set.leases == (try Self.listed(records)).leases)
    }

    /// A random walk of puts, deletes and broken records: after every message, the cache holds
    /// exactly what a list of the same records reads.
    @Test func anyEventSequenceEndsWhereAFreshListDoes() throws {
        var records = Self.five
        var (follower, reports) = try Self.follower(records)
        var generator = SystemRandomNumberGenerator()
        for step in 0..<300 {
            var ops: [Op] = []
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let third = Int.random(in: 1...12, using: &generator)
                switch Int.random(in: 0..<10, using: &generator) {
                case 0..<5:
                    let value = Self.value(third, mac: String(format: "0e:4c:8b:10:%02x:%02x", third, Int.random(in: 0...3, using: &generator)))
                    records[Self.key(third)] = value
                    ops.append(.put(Self.key(third), value))
                case 5..<8:
                    records[Self.key(third)] = nil
                    ops.append(.delete(Self.key(third)))
                default:
                    records[Self.key(third)] = #"{"PublicIP":"x\#(third)"}"#
                    ops.append(.put(Self.key(third), #"{"PublicIP":"x\#(third)"}"#))
                }
            }
            #expect(try Self.feed(&follower, Self.message(ops, revision: Int64(100 + step))))
            let fresh = try Self.listed(records)
            #expect(follower.cache.leases == fresh.leases, "step \(step)")
            #expect(follower.cache.rejected == fresh.rejected, "step \(step)")
            for event in reports.take() {
                switch event {
                case .update(_, let delta): #expect(!delta.isEmpty)
                case .leases, .failure: break
                }
            }
            if follower.set.rejected == follower.cache.rejected { #expect(follower.set.leases == fresh.leases, "step \(step)") }
        }
    }

    @Test func hostileMessagesAreRefusedNamingTheField() throws {
        var (follower, reports) = try Self.follower(Self.five)
        func refusal(_ line: String) -> String? {
            do throws(LeaseSourceError) {
                _ = try Self.feed(&follower, line)
                return nil
            } catch {
                #expect(error.kind == .invalid)
                #expect(error.source == "etcd://127.0.0.1:2379/v3/watch")
                return error.message
            }
        }
        #expect(refusal(Self.message([.raw(#"{"type":"PUT"}"#)], revision: 11)) == "a watch message whose result.events[0].kv is missing or not an object")
        #expect(refusal(Self.message([.put(Self.key(1), Self.value(1)), .raw(#"{"kv":{"key":"!!not base64!!","value":""}}"#)], revision: 11))
            == "a watch message whose result.events[1].kv.key is missing or not base64")
        #expect(refusal(Self.message([.raw(#"{"kv":{"value":"e30="}}"#)], revision: 11)) == "a watch message whose result.events[0].kv.key is missing or not base64")
        #expect(refusal(Self.message([.raw(#"{"type":"EXPLODE","kv":{"key":"YQ=="}}"#)], revision: 11))
            == "a watch message whose result.events[0].type is EXPLODE, not PUT or DELETE")
        #expect(refusal(Self.message([.raw(#"{"kv":{"key":"\#(Self.b64(Self.key(1)))","value":7}}"#)], revision: 11))
            == "a watch message whose result.events[0].kv.value is not a string")
        #expect(refusal(Self.message([.raw("12")], revision: 11)) == "a watch message whose result.events[0] is not an object")
        #expect(refusal(#"{"result":{"events":{"kv":1}}}"#) == "a watch message whose result.events is not an array")
        #expect(refusal(#"{"result":7}"#) == "a watch message without result")
        #expect(refusal("[1,2") != nil)
        #expect(reports.take().isEmpty, "a refused message changes nothing")
        #expect(follower.cache.leases == (try Self.listed(Self.five)).leases, "not even its good first event")

        // A value that is not base64 is that record's problem, as in a list: rejected, a whole set.
        #expect(try Self.feed(&follower, Self.message([.raw(#"{"kv":{"key":"\#(Self.b64(Self.key(2)))","value":"%%%"}}"#)], revision: 12)))
        let events = reports.take()
        guard events.count == 1, case .leases(let set) = events[0] else {
            Issue.record("expected one .leases, got \(events)")
            return
        }
        #expect(set.rejected.map(\.key) == [Self.key(2)])
        #expect(set.rejected.first?.error.description.contains("value") == true, "\(set.rejected)")
        // A PUT without a value (proto3 leaves an empty one out): rejected too.
        #expect(try Self.feed(&follower, Self.message([.put(Self.key(3), nil)], revision: 13)))
        #expect(follower.cache.rejected.map(\.key) == [Self.key(2), Self.key(3)])

        // A key under the prefix that is not UTF-8 cannot be followed: list again.
        let invalidKey = Data(Array("\(Self.prefix)/subnets/".utf8) + [0xff, 0xfe]).base64EncodedString()
        #expect(try Self.feed(&follower, Self.message([.raw(#"{"kv":{"key":"\#(invalidKey)","value":"e30="}}"#)], revision: 14)) == false)
        // Compaction and cancel: list again.
        #expect(try Self.feed(&follower, #"{"result":{"header":{"revision":"20"},"compact_revision":"18"}}"#) == false)
        #expect(try Self.feed(&follower, #"{"result":{"header":{"revision":"20"},"canceled":true}}"#) == false)
    }

    /// One VtepMAC change at 5,000 cached leases: parse the message, apply it, build the set,
    /// report. A figure, not an assertion (debug builds are several times slower).
    @Test func costOfOneEventAtFiveThousandLeases() throws {
        let records = Dictionary(uniqueKeysWithValues: (0..<5_000).map { index -> (String, String) in
            let key = "\(Self.prefix)/subnets/10.\(index / 256).\(index % 256).0-24"
            return (key, #"{"PublicIP":"172.16.\#(index / 256).\#(index % 256)","BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"0e:00:00:00:00:01"}}"#)
        })
        var (follower, reports) = try Self.follower(records)
        // The agent holds the previous set, so each event pays the array copy.
        var held: [LeaseSourceEvent] = []
        let keys = records.keys.sorted()
        let rounds = 200
        let lines = (0..<rounds).map { round in
            let key = keys[(round * 37) % keys.count]
            let mac = String(format: "0e:00:00:00:%02x:%02x", round / 256, round % 256 + 0)
            let value = #"{"PublicIP":"172.16.0.1","BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"\#(mac)"}}"#
            return Self.message([.put(key, value)], revision: Int64(1000 + round))
        }
        let clock = ContinuousClock()
        var samples: [Duration] = []
        for line in lines {
            let elapsed = try clock.measure { _ = try Self.feed(&follower, line) }
            samples.append(elapsed)
            held = reports.take()
        }
        #expect(held.count == 1)
        samples.sort()
        let median = samples[samples.count / 2]
        print("etcd cache: one VtepMAC event at 5,000 leases: median \(median), max \(samples.last ?? .zero) (message, apply, set, report)")
    }
}
