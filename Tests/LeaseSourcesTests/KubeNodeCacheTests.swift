import Desired
import NetState
import Testing

@testable import LeaseSources

/// The API source's node cache: a heartbeat is no change; a lease change is a delta of that one
/// node; a node that stops or starts parsing is the set as a whole; the set always equals what
/// a fresh list of the same nodes gives (order aside).
@Suite struct KubeNodeCacheTests {
    static func node(_ name: String, third: UInt8, mac: UInt64 = 0x02_00_00_00_00_01) -> KubeAPIReader.Node {
        KubeAPIReader.Node(name: name, outcome: .lease(Lease(
            key: "node/\(name)", nodeName: name, subnet: IPv4Prefix(address: IPv4Address(10, 244, third, 0), length: 24),
            publicIP: IPv4Address(192, 168, 0, third), backendType: .vxlan, vtepMAC: MACAddress(mac), vni: 1
        )))
    }

    static func broken(_ name: String) -> KubeAPIReader.Node {
        KubeAPIReader.Node(name: name, outcome: .rejected(RejectedLease(
            key: "node/\(name)", nodeName: name, subnet: nil, publicIP: nil, vtepMAC: nil,
            error: InputError(.invalidValue, source: "api", "bad backend-data")
        )))
    }

    @Test func eventsChangeWhatTheyShould() {
        var cache = KubeNodeCache([Self.node("a", third: 1), Self.node("b", third: 2), Self.node("c", third: 3)])
        #expect(cache.count == 3)
        #expect(cache.apply(Self.node("b", third: 2), deleted: false) == .none, "a heartbeat")
        guard case .delta(let delta) = cache.apply(Self.node("b", third: 2, mac: 0x02_00_00_00_00_99), deleted: false) else {
            Issue.record("a VtepMAC change is a delta")
            return
        }
        #expect(Array(delta.upserted.keys) == ["node/b"] && delta.removed.isEmpty)
        guard case .delta(let gone) = cache.apply(Self.node("a", third: 1), deleted: true) else {
            Issue.record("a deleted node is a delta")
            return
        }
        #expect(gone.removed == ["node/a"])
        #expect(cache.apply(Self.node("zz", third: 9), deleted: true) == .none, "an unknown node deleted")
        #expect(cache.apply(KubeAPIReader.Node(name: "edge", outcome: .unmanaged), deleted: false) == .none)
        #expect(cache.apply(KubeAPIReader.Node(name: "c", outcome: .unmanaged), deleted: false) != .none, "c is no longer flannel's")
        #expect(cache.apply(Self.broken("b"), deleted: false) == .whole, "b stops parsing")
        #expect(cache.apply(Self.broken("b"), deleted: false) == .none)
        #expect(cache.apply(Self.node("b", third: 2), deleted: false) == .whole, "b parses again")
        #expect(cache.leases.map(\.key).sorted() == ["node/b"] && cache.rejected.isEmpty)
    }

    /// After any sequence of events the cache holds what a list of the final nodes gives.
    @Test func randomEventsEndWhereAListWould() {
        var random = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            var truth: [String: KubeAPIReader.Node] = [:]
            var cache = KubeNodeCache([])
            for _ in 0..<60 {
                let name = "n\(Int.random(in: 0..<12, using: &random))"
                let node: KubeAPIReader.Node = switch Int.random(in: 0..<4, using: &random) {
                case 0: Self.broken(name)
                case 1: KubeAPIReader.Node(name: name, outcome: .unmanaged)
                default: Self.node(name, third: UInt8(name.dropFirst())! + 1, mac: UInt64.random(in: 1...3, using: &random))
                }
                let deleted = Int.random(in: 0..<5, using: &random) == 0
                _ = cache.apply(node, deleted: deleted)
                truth[name] = deleted ? nil : node
            }
            let listed = KubeNodeCache(truth.values.sorted { $0.name < $1.name })
            #expect(Set(cache.leases) == Set(listed.leases))
            #expect(Set(cache.rejected.map(\.key)) == Set(listed.rejected.map(\.key)))
            #expect(cache.count == listed.count)
        }
    }
}
