import Desired
import Foundation
import LeaseSources
import Netlink
import NIOPosix
import Testing

/// The etcd source against a real etcd (Debian's etcd-server) in a node namespace, in-process:
/// its event loop's threads are started inside the namespace, so its sockets reach etcd on the
/// namespace's loopback.
@Suite(.enabled(if: KernelTestEnvironment.isRoot && Shell.resolve("etcd") != nil, "needs root and etcd (scripts/install-deps)"))
struct EtcdWatchDeltaTests {
    final class Reports: @unchecked Sendable {
        private let lock = NSLock()
        private var events: [LeaseSourceEvent] = []
        func add(_ event: LeaseSourceEvent) { lock.withLock { events.append(event) } }
        var all: [LeaseSourceEvent] { lock.withLock { events } }
    }

    /// `eventually` without blocking a thread of the cooperative pool the source runs on.
    func waitFor(timeout: Double, _ condition: () -> Bool) async -> Double? {
        let start = Date()
        while true {
            if condition() { return Date().timeIntervalSince(start) }
            if Date().timeIntervalSince(start) > timeout { return nil }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// flanneld missed 1–8 of 10 back-to-back changes at 5,000 peers and never resynced. Here
    /// ten VtepMAC changes of one peer, made as fast as etcdctl can, all arrive as `.update`s
    /// (never a re-list), the last one holds the last MAC, the set equals what a fresh list
    /// reads, and the prefix was listed once. A config change then lists again.
    @Test(.timeLimit(.minutes(1)))
    func backToBackVtepMACChangesArriveAsUpdatesWithoutAList() async throws {
        let node = try ReconcileNode(tag: "edelta")
        defer { node.shutdown() }
        let etcd = try EtcdServer(namespace: node.namespace, directory: node.directory, tls: false)
        defer { etcd.kill() }
        try etcd.load(leasesFile: node.path("leases.json"), netConfFile: node.path("net-conf.json"))

        let group = try NetworkNamespace.run(in: node.namespace) { MultiThreadedEventLoopGroup(numberOfThreads: 1) }
        let source = try EtcdLeaseSource(
            endpoints: [EtcdEndpoint(host: "127.0.0.1", port: EtcdServer.clientPort)], prefix: "/coreos.com/network",
            readsConfig: true, eventLoopGroup: group
        )
        let reports = Reports()
        let follow = Task { await source.follow { reports.add($0) } }
        defer {
            follow.cancel()
        }
        let listed = await waitFor(timeout: 10) { reports.all.contains { if case .leases = $0 { true } else { false } } }
        try #require(listed != nil, "no first list: \(reports.all)")
        // The watch is created after the list; give it a moment so the first change is an event.
        try await Task.sleep(for: .milliseconds(300))

        let (key, _) = EtcdServer.lease(subnet: 2, publicIP: "172.22.0.117", mac: "")
        let macs = (1...10).map { String(format: "0e:4c:8b:10:02:%02x", 0x10 + $0) }
        let start = Date()
        for mac in macs {
            let (_, value) = EtcdServer.lease(subnet: 2, publicIP: "172.22.0.117", mac: mac)
            try etcd.put(key, value)
        }
        let putSeconds = Date().timeIntervalSince(start)
        let arrived = await waitFor(timeout: 5) {
            guard case .update(let set, _)? = reports.all.last else { return false }
            return set.leases.first { $0.key == key }?.vtepMAC?.description == macs.last
        }
        #expect(arrived != nil, "the last change never arrived: \(reports.all.suffix(3))")

        let events = reports.all
        let updates = events.compactMap { event -> (LeaseSet, LeaseDelta)? in
            if case .update(let set, let delta) = event { (set, delta) } else { nil }
        }
        #expect(events.count == 1 + updates.count, "after the list, only updates: \(events.map { "\($0)".prefix(60) })")
        // Each put is its own revision; etcd may still deliver two in one message (one update).
        let seen = updates.compactMap { $0.1.upserted[key]?.vtepMAC?.description }
        #expect(seen.allSatisfy(macs.contains) && seen == seen.sorted(), "changes out of order: \(seen)")
        #expect(updates.allSatisfy { $0.1.count == 1 && $0.1.removed.isEmpty }, "only the changed key is in a delta")
        print("etcd watch: 10 back-to-back VtepMAC changes in \(String(format: "%.0f", putSeconds * 1000)) ms -> \(updates.count) updates, \(seen.count) distinct MACs seen, lists: \(source.listCount)")
        #expect(source.listCount == 1, "the prefix was listed again")

        // The final set is what a fresh list reads, in the same order, at the same revision.
        guard let last = updates.last?.0 else { return }
        let fresh = try await source.read()
        #expect(last.leases == fresh.leases)
        #expect(last.rejected == fresh.rejected)
        #expect(last.netConf == fresh.netConf)
        #expect(last.revision == fresh.revision)

        // A change of <prefix>/config: a fresh list, reported whole.
        let before = reports.all.count
        let listsBefore = source.listCount
        let config = try String(contentsOfFile: node.path("net-conf.json"), encoding: .utf8)
        try etcd.put("/coreos.com/network/config", config + " ")
        let relisted = await waitFor(timeout: 5) { source.listCount > listsBefore && reports.all.count > before }
        #expect(relisted != nil, "a config change did not list again")
        if case .leases(let set)? = reports.all.last { #expect(set.leases == fresh.leases) } else { Issue.record("\(reports.all.last.map { "\($0)" } ?? "none")") }

        follow.cancel()
        await follow.value
        await source.shutdown()
        try await group.shutdownGracefully()
    }
}
