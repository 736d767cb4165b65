import Desired
import Foundation
import NetState
import Testing

@testable import LeaseSources

/// The live sources' caches on dual-stack leases (issue 14): a change to the IPv6 half alone is
/// a change, a heartbeat still is none, and etcd's `&` keys are followed as a list reads them.
@Suite("Lease caches: dual-stack leases")
struct DualStackCacheTests {
    typealias Etcd = EtcdWatchCacheTests

    /// A watch line for a dual-stack node as the API sends it, trimmed to what the skim reads
    /// and the heartbeat that changes with every kubelet status update.
    static func watchLine(
        resourceVersion: String, publicIPv6: String = "fd00:192:168:64::12", vtepMAC6: String = "b2:4e:91:0a:c7:12",
        heartbeat: String = "2026-11-30T10:41:27Z"
    ) -> String {
        #"{"type":"MODIFIED","object":{"kind":"Node","apiVersion":"v1","metadata":{"name":"worker-2","resourceVersion":"\#(resourceVersion)","annotations":{"flannel.alpha.coreos.com/backend-data":"{\"VNI\":1,\"VtepMAC\":\"6e:2c:7d:1b:8f:12\"}","flannel.alpha.coreos.com/backend-type":"vxlan","flannel.alpha.coreos.com/backend-v6-data":"{\"VNI\":1,\"VtepMAC\":\"\#(vtepMAC6)\"}","flannel.alpha.coreos.com/kube-subnet-manager":"true","flannel.alpha.coreos.com/public-ip":"192.168.64.12","flannel.alpha.coreos.com/public-ipv6":"\#(publicIPv6)"}},"spec":{"podCIDR":"10.244.2.0/24","podCIDRs":["10.244.2.0/24","fd00:10:244:2::/64"]},"status":{"conditions":[{"type":"Ready","status":"True","lastHeartbeatTime":"\#(heartbeat)","reason":"KubeletReady"}]}}}"#
    }

    static func node(_ line: String) throws -> KubeAPIReader.Node {
        let event = try Array(line.utf8).withUnsafeBytes {
            try KubeAPIReader.watchEvent($0, source: "https://10.96.0.1:443/api/v1/nodes", prefix: .flannel)
        }
        guard case .modified(let node, _) = event else { throw InputError(.invalidValue, "not MODIFIED: \(event)") }
        return node
    }

    @Test func aKubeNodeWhoseIPv6AnnotationsAloneChangeIsADelta() throws {
        let first = try Self.node(Self.watchLine(resourceVersion: "5"))
        var cache = KubeNodeCache([first])
        #expect(cache.apply(try Self.node(Self.watchLine(resourceVersion: "6", heartbeat: "2026-11-30T10:41:37Z")), deleted: false) == .none)
        guard case .delta(let moved) = cache.apply(try Self.node(Self.watchLine(resourceVersion: "7", publicIPv6: "fd00:192:168:64::99")), deleted: false) else {
            Issue.record("a public-ipv6 change is a delta")
            return
        }
        #expect(moved.upserted["node/worker-2"]?.publicIPv6 == IPv6Address("fd00:192:168:64::99"))
        guard case .delta(let remade) = cache.apply(
            try Self.node(Self.watchLine(resourceVersion: "8", publicIPv6: "fd00:192:168:64::99", vtepMAC6: "b2:4e:91:0a:c7:99")),
            deleted: false)
        else {
            Issue.record("a backend-v6-data change (flannel-v6.1 re-created) is a delta")
            return
        }
        #expect(remade.upserted["node/worker-2"]?.vtepMAC6 == MACAddress("b2:4e:91:0a:c7:99"))
        #expect(cache.leases.first?.subnet6 == IPv6Prefix("fd00:10:244:2::/64"))
    }

    static func key6(_ third: Int) -> String { "\(Etcd.prefix)/subnets/10.244.\(third).0-24&fd00:10:244:\(third)::-64" }
    static func value6(_ third: Int, publicIPv6: String? = nil) -> String {
        #"{"PublicIP":"172.22.0.\#(third)","PublicIPv6":"\#(publicIPv6 ?? "fd00:172:22::\(third)")","BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"0e:4c:8b:10:0\#(third):01"},"BackendV6Data":{"VNI":1,"VtepMAC":"0e:4c:8b:16:0\#(third):01"}}"#
    }

    @Test func etcdAmpersandKeysAreFollowedAsAListReadsThem() throws {
        // Keys with and without an IPv6 half side by side, in etcd's bytewise order.
        var records = Dictionary(uniqueKeysWithValues: (1...3).map { (Self.key6($0), Self.value6($0)) })
        records[Etcd.key(4)] = Etcd.value(4)
        var (follower, reports) = try Etcd.follower(records)
        // Only the PublicIPv6 of one lease changes: an update of that key.
        #expect(try Etcd.feed(&follower, Etcd.message([.put(Self.key6(2), Self.value6(2, publicIPv6: "fd00:172:22::99"))], revision: 12)))
        guard case .update(let set, let delta)? = reports.take().first else {
            Issue.record("a PublicIPv6 change is an update")
            return
        }
        #expect(Array(delta.upserted.keys) == [Self.key6(2)])
        #expect(delta.upserted[Self.key6(2)]?.publicIPv6 == IPv6Address("fd00:172:22::99"))
        records[Self.key6(2)] = Self.value6(2, publicIPv6: "fd00:172:22::99")
        #expect(set.leases == (try Etcd.listed(records)).leases)
        // A lease re-acquired with an IPv6 half: the old key goes, the new one comes.
        #expect(try Etcd.feed(&follower, Etcd.message([.delete(Etcd.key(4)), .put(Self.key6(4), Self.value6(4))], revision: 14)))
        guard case .update(let after, let change)? = reports.take().first else {
            Issue.record("a re-keyed lease is an update")
            return
        }
        #expect(change.removed == [Etcd.key(4)] && Array(change.upserted.keys) == [Self.key6(4)])
        records[Etcd.key(4)] = nil
        records[Self.key6(4)] = Self.value6(4)
        #expect(after.leases == (try Etcd.listed(records)).leases)
        #expect(after.leases.allSatisfy { $0.subnet6 != nil })
    }
}
