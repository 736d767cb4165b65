import Foundation
import Testing

/// The harness's own parsing, checked without root.
@Suite struct PingReportParsingTests {
    @Test func parsesCleanRunAndReplies() throws {
        let output = """
        PING 10.244.2.2 (10.244.2.2) 56(84) bytes of data.
        64 bytes from 10.244.2.2: icmp_seq=1 ttl=62 time=0.071 ms
        64 bytes from 10.244.2.2: icmp_seq=2 ttl=62 time=0.052 ms
        64 bytes from 10.244.2.2: icmp_seq=3 ttl=62 time=0.049 ms

        --- 10.244.2.2 ping statistics ---
        3 packets transmitted, 3 received, 0% packet loss, time 21ms
        rtt min/avg/max/mdev = 0.049/0.057/0.071/0.010 ms
        """
        let report = try PingReport.parse(output)
        #expect(report.transmitted == 3)
        #expect(report.received == 3)
        #expect(report.lossPercent == 0)
        #expect(report.answeredSequences == [1, 2, 3])
        #expect(report.unansweredSequences.isEmpty)
        #expect(report.lostBeforeStop == 0)
    }

    @Test func lastUnansweredRequestIsInFlightNotLost() throws {
        let output = """
        64 bytes from 10.0.0.1: icmp_seq=1 ttl=64 time=0.1 ms
        64 bytes from 10.0.0.1: icmp_seq=3 ttl=64 time=0.1 ms
        --- 10.0.0.1 ping statistics ---
        4 packets transmitted, 2 received, 50% packet loss, time 30ms
        """
        let report = try PingReport.parse(output)
        #expect(report.lost == 2)
        #expect(report.unansweredSequences == [2, 4])
        #expect(report.lostBeforeStop == 1)
    }

    @Test func parsesErrorsAndDuplicates() throws {
        let output = """
        From 10.244.1.1 icmp_seq=1 Destination Host Unreachable
        64 bytes from 10.0.0.1: icmp_seq=2 ttl=64 time=0.1 ms
        64 bytes from 10.0.0.1: icmp_seq=2 ttl=64 time=0.1 ms (DUP!)
        --- 10.0.0.1 ping statistics ---
        5 packets transmitted, 1 received, +1 duplicates, +3 errors, 80% packet loss, time 40ms
        """
        let report = try PingReport.parse(output)
        #expect(report.transmitted == 5)
        #expect(report.received == 1)
        #expect(report.duplicates == 1)
        #expect(report.errors == 3)
        #expect(report.lossPercent == 80)
        #expect(report.answeredSequences == [2])
        #expect(report.lostBeforeStop == 3)
    }

    @Test func missingSummaryIsAnError() {
        #expect(throws: PingParseError.self) {
            try PingReport.parse("PING 10.0.0.1 (10.0.0.1) 56(84) bytes of data.\n")
        }
    }

    @Test func shellReportsCommandAndStderrOnFailure() throws {
        let result = try Shell.run(["/bin/sh", "-c", "echo out; echo err >&2; exit 3"], check: false)
        #expect(result.status == 3)
        #expect(result.stdout == "out\n")
        #expect(result.stderr == "err\n")
        do {
            try Shell.run(["/bin/sh", "-c", "echo boom >&2; exit 4"])
            Issue.record("a non-zero exit must throw when check is true")
        } catch {
            #expect(error.reason == .nonZeroExit(4))
            #expect(error.description.contains("boom"))
            #expect(error.description.contains("/bin/sh"))
        }
    }

    @Test func shellKillsCommandsThatOutliveTheirTimeout() {
        #expect(throws: ShellError.self) {
            try Shell.run(["/bin/sleep", "5"], timeout: 0.2)
        }
    }
}

/// Names of namespaces that exist right now.
private func liveNamespaces() throws -> Set<String> {
    let listing = try Shell.run(["ip", "netns", "list"]).stdout
    return Set(listing.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) })
}

/// The cluster harness against the real kernel: topology, reachability, teardown.
@Suite(.enabled(if: KernelTestEnvironment.isRoot, "needs root to create network namespaces"))
struct HarnessTests {
    @Test func hostGwByHandCarriesPodTrafficAndShutdownRemovesEverything() throws {
        let buildStart = ContinuousClock.now
        let cluster = try NamespaceCluster()
        let buildTime = ContinuousClock.now - buildStart
        defer { cluster.shutdown() }

        let names = cluster.allNamespaceNames
        #expect(names.count == 10)
        #expect(try liveNamespaces().isSuperset(of: names))
        #expect(names.allSatisfy { $0.hasPrefix(cluster.prefix) })

        // Topology as promised.
        let n1 = try cluster.node(1)
        #expect(n1.publicIP == "172.22.0.11")
        #expect(n1.leaseSubnet == "10.244.1.0/24")
        #expect(try cluster.addresses(node: 1, device: "eth0").contains("inet 172.22.0.11/24"))
        #expect(try cluster.addresses(node: 4, device: "eth0").contains("inet 172.23.0.14/24"))
        #expect(try cluster.addresses(node: 3, device: "cni0").contains("inet 10.244.3.1/24"))
        #expect(try cluster.routes(node: 2).contains("default via 172.22.0.1 dev eth0"))
        #expect(try cluster.routes(node: 4).contains("default via 172.23.0.1 dev eth0"))
        #expect(try cluster.sysctl(node: 2, "net.ipv4.ip_forward") == "1")
        #expect(try Sysctl.read(namespace: cluster.routerNamespace, key: "net.ipv4.ip_forward") == "1")
        // rp_filter keeps the kernel's default until set, and setting it touches one node only.
        let defaultRPFilter = try cluster.sysctl(node: 2, "net.ipv4.conf.all.rp_filter")
        let other = defaultRPFilter == "2" ? 1 : 2
        try cluster.setRPFilter(node: 3, value: other)
        #expect(try cluster.sysctl(node: 3, "net.ipv4.conf.all.rp_filter") == "\(other)")
        #expect(try cluster.sysctl(node: 2, "net.ipv4.conf.all.rp_filter") == defaultRPFilter)
        #expect(try cluster.execPod(node: 3, ["ip", "route"]).stdout.contains("default via 10.244.3.1 dev eth0"))
        #expect(try cluster.nftRuleset(node: 1).isEmpty)
        #expect(try cluster.fdb(node: 1, device: "eth0").isEmpty == false)
        #expect(try cluster.macAddress(node: 1, device: "eth0").count == 17)
        #expect(try cluster.node(4).underlaySubnet == "172.23.0.0/24")

        // Without routes, pods on different nodes cannot talk: the checks below can fail.
        #expect(try cluster.canPing(fromPod: 1, toPod: 2, timeout: 0.3) == false)
        // Pod to its own node's gateway, and n4 across the router, work from the start.
        #expect(try cluster.canPing(fromPod: 1, toPod: 1))
        #expect(try cluster.canPing(fromNode: 4, to: n1.publicIP))

        // host-gw by hand among n1..n3.
        let onLink = try [1, 2, 3].map { try cluster.node($0) }
        for node in onLink {
            for peer in onLink where peer.index != node.index {
                try cluster.ip(node: node.index, ["route", "add", peer.leaseSubnet, "via", peer.publicIP, "dev", "eth0"])
            }
        }
        #expect(try cluster.routes(node: 1).contains("10.244.2.0/24 via 172.22.0.12 dev eth0"))
        for node in onLink {
            for peer in onLink where peer.index != node.index {
                #expect(try cluster.canPing(fromPod: node.index, toPod: peer.index), "pod n\(node.index) -> pod n\(peer.index)")
            }
        }

        // A steady second of 10 ms pings from pod n1 to pod n2 loses nothing.
        let monitor = try cluster.startPing(fromPod: 1, toPod: 2)
        Thread.sleep(forTimeInterval: 1)
        let report = try monitor.stop()
        #expect(report.transmitted >= 50, "ping sent only \(report.transmitted) requests in 1 s")
        #expect(report.lostBeforeStop == 0, "unanswered: \(report.unansweredSequences)")
        #expect(report.errors == 0)

        // ...and the monitor does see an outage: ~300 ms without n1's route to n2's pods.
        let outage = try cluster.startPing(fromPod: 1, toPod: 2)
        Thread.sleep(forTimeInterval: 0.2)
        try cluster.ip(node: 1, ["route", "del", "10.244.2.0/24"])
        Thread.sleep(forTimeInterval: 0.3)
        try cluster.ip(node: 1, ["route", "add", "10.244.2.0/24", "via", "172.22.0.12", "dev", "eth0"])
        Thread.sleep(forTimeInterval: 0.2)
        let outageReport = try outage.stop()
        #expect(outageReport.lostBeforeStop >= 10, "outage not seen: \(outageReport)")
        #expect(outageReport.received >= 10, "no replies around the outage: \(outageReport)")

        // The binary-under-test path: any executable, failures returned when asked.
        let failing = try cluster.exec(node: 1, ["/bin/sh", "-c", "ip -o -4 addr show dev eth0; echo nope >&2; exit 3"], check: false)
        #expect(failing.status == 3)
        #expect(failing.stdout.contains("172.22.0.11/24"))
        #expect(failing.stderr == "nope\n")
        #expect(throws: ShellError.self) { try cluster.exec(node: 1, ["/bin/false"]) }
        #expect(throws: ClusterError.self) { try cluster.exec(node: 5, ["true"]) }

        let teardownStart = ContinuousClock.now
        let failures = cluster.shutdown()
        let teardownTime = ContinuousClock.now - teardownStart
        #expect(failures.isEmpty, "\(failures)")
        #expect(try liveNamespaces().isDisjoint(with: names))
        #expect(cluster.namespaces.isEmpty)
        print("NamespaceCluster timing: build \(buildTime), teardown \(teardownTime)")
    }

    @Test func droppedClusterAndLingeringProcessLeaveNothingBehind() throws {
        var names: [String] = []
        let lingering = Process()
        do {
            let cluster = try NamespaceCluster()
            names = cluster.allNamespaceNames
            // A process left running inside a namespace pins it after `ip netns delete`, unless
            // teardown kills it.
            lingering.executableURL = Shell.resolve("ip")
            lingering.arguments = ["netns", "exec", cluster.nodes[0].podNamespace, "sleep", "60"]
            try lingering.run()
            #expect(try liveNamespaces().isSuperset(of: names))
            // No shutdown(): deinit must clean up.
        }
        lingering.waitUntilExit()
        #expect(lingering.terminationReason == .uncaughtSignal)
        #expect(lingering.terminationStatus == SIGKILL)
        #expect(names.count == 10)
        #expect(try liveNamespaces().isDisjoint(with: names))
    }

    @Test func failedCreationStillDeletesWhatWasRegistered() throws {
        let prefix = RunNames.nextPrefix()
        let registry = NamespaceRegistry()
        try registry.create(prefix + "a")
        #expect(throws: ShellError.self) { try registry.create(prefix + "a") }
        #expect(try liveNamespaces().contains(prefix + "a"))
        let failures = registry.deleteAll()
        #expect(failures.isEmpty, "\(failures)")
        #expect(try liveNamespaces().contains(prefix + "a") == false)
    }
}
