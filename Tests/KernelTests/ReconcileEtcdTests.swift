import Foundation
import Glibc
import Testing

/// A real etcd (Debian's etcd-server) on the loopback of a node namespace, plain or with TLS
/// and client certificates made here with openssl. Killed on deinit.
final class EtcdServer: @unchecked Sendable {
    struct Certificates {
        var ca: String
        var serverCert: String
        var serverKey: String
        var clientCert: String
        var clientKey: String
    }

    let namespace: String
    let dataDirectory: String
    let certificates: Certificates?
    private(set) var process: BackgroundProcess?
    static let clientPort = 2379

    var scheme: String { certificates == nil ? "http" : "https" }
    var url: String { "\(scheme)://127.0.0.1:\(Self.clientPort)" }
    var leasesArgument: String { "etcd://127.0.0.1:\(Self.clientPort)" }

    /// Agent flags for TLS.
    var agentFlags: [String] {
        guard let certificates else { return [] }
        return ["--etcd-cafile", certificates.ca, "--etcd-certfile", certificates.clientCert, "--etcd-keyfile", certificates.clientKey]
    }

    init(namespace: String, directory: URL, tls: Bool) throws {
        self.namespace = namespace
        dataDirectory = directory.appendingPathComponent("etcd-data").path
        certificates = tls ? try Self.makeCertificates(in: directory) : nil
        try start()
    }

    deinit { process?.stop(grace: 2) }

    func start() throws {
        let peer = "http://127.0.0.1:2380"
        var command = [
            "etcd", "--name", "test", "--data-dir", dataDirectory,
            "--listen-client-urls", url, "--advertise-client-urls", url,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", "test=\(peer)",
            "--logger", "zap", "--log-level", "error",
        ]
        if let certificates {
            command += [
                "--cert-file", certificates.serverCert, "--key-file", certificates.serverKey,
                "--client-cert-auth", "--trusted-ca-file", certificates.ca,
            ]
        }
        let started = try BackgroundProcess(namespace: namespace, command, logName: "etcd")
        process = started
        guard eventually(timeout: 15, poll: 0.05, { (try? ctl(["get", "/probe"])) != nil }) != nil else {
            throw ShellError(command: command, reason: .unexpectedOutput("etcd to answer within 15 s"), stdout: started.log, stderr: "")
        }
    }

    /// SIGKILL, as a crash or a lost node: no goodbye on the connections.
    func kill() {
        process?.kill(SIGKILL)
        _ = process?.waitForExit(timeout: 5)
        process = nil
    }

    @discardableResult
    func ctl(_ args: [String]) throws -> String {
        var command = ["ip", "netns", "exec", namespace, "etcdctl", "--endpoints", url, "--command-timeout", "3s"]
        if let certificates {
            command += ["--cacert", certificates.ca, "--cert", certificates.clientCert, "--key", certificates.clientKey]
        }
        return try Shell.run(command + args, timeout: 10).stdout
    }

    func put(_ key: String, _ value: String) throws { try ctl(["put", key, value]) }
    func delete(_ key: String) throws { try ctl(["del", key]) }

    /// Loads the seed000 case: every lease and (optionally) the network config.
    func load(leasesFile: String, netConfFile: String?) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: leasesFile))
        guard let leases = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { return }
        for (key, value) in leases {
            let json = try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])
            try put(key, String(decoding: json, as: UTF8.self))
        }
        if let netConfFile {
            try put("/coreos.com/network/config", try String(contentsOfFile: netConfFile, encoding: .utf8))
        }
    }

    static func lease(subnet third: Int, publicIP: String, mac: String) -> (String, String) {
        (
            "/coreos.com/network/subnets/10.244.\(third).0-24",
            #"{"PublicIP":"\#(publicIP)","BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"\#(mac)"}}"#
        )
    }

    /// A CA, a server certificate for 127.0.0.1 and a client certificate, all signed by the CA.
    static func makeCertificates(in directory: URL) throws -> Certificates {
        let ca = try TestPKI.makeCA("ca", subject: "/CN=netplan-test-ca", in: directory)
        let extensions = "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n"
        let server = try TestPKI.issue("server", subject: "/CN=server", extensions: extensions, by: ca, in: directory)
        let client = try TestPKI.issue("client", subject: "/CN=client", extensions: extensions, by: ca, in: directory)
        return Certificates(
            ca: ca.certificate, serverCert: server.certificate, serverKey: server.key, clientCert: client.certificate,
            clientKey: client.key
        )
    }
}

@Suite(.enabled(if: KernelTestEnvironment.isRoot && Shell.resolve("etcd") != nil, "needs root and etcd (scripts/install-deps)"))
struct ReconcileEtcdTests {
    /// Programming from etcd (net-conf from `<prefix>/config`), a lease added and one deleted
    /// reflected within 1 s, an emptied store refused, etcd killed: nothing deleted, the agent
    /// keeps running and picks up a change made after etcd returns.
    @Test func followsEtcdAndSurvivesItsOutage() throws {
        let node = try ReconcileNode(tag: "etcd")
        defer { node.shutdown() }
        let etcd = try EtcdServer(namespace: node.namespace, directory: node.directory, tls: false)
        defer { etcd.kill() }
        try etcd.load(leasesFile: node.path("leases.json"), netConfFile: node.path("net-conf.json"))
        let agent = try node.startAgent(leases: etcd.leasesArgument, netConf: false, extra: ["--metrics-address", "127.0.0.1:9464"])
        defer { agent.stop() }

        let programmed = eventually(timeout: 10) { node.isConverged }
        try #require(programmed != nil, "not programmed from etcd:\n\(agent.log)")

        // Added: a new peer's route, neighbour and FDB entry.
        let (key, value) = EtcdServer.lease(subnet: 9, publicIP: "172.22.0.99", mac: "0e:4c:8b:10:09:01")
        let putAt = Date()
        try etcd.put(key, value)
        let added = eventually(timeout: 3) { node.flannelRoutes().contains { $0.hasPrefix("10.244.9.0/24 via 10.244.9.0 dev flannel.1") } }
        let addSeconds = added.map { _ in Date().timeIntervalSince(putAt) }
        #expect(addSeconds.map { $0 < 1 } == true, "lease added, route after \(String(describing: addSeconds)) s\n\(agent.log)")
        #expect(node.fdb().contains("0e:4c:8b:10:09:01 dst 172.22.0.99"))

        // Deleted: gone within 1 s.
        let deleteAt = Date()
        try etcd.delete(key)
        let removed = eventually(timeout: 3) { !node.flannelRoutes().contains { $0.hasPrefix("10.244.9.0/24") } }
        let removeSeconds = removed.map { _ in Date().timeIntervalSince(deleteAt) }
        #expect(removeSeconds.map { $0 < 1 } == true, "lease deleted, route gone after \(String(describing: removeSeconds)) s")
        print("etcd: lease added -> route in \(Self.ms(addSeconds)), lease deleted -> route gone in \(Self.ms(removeSeconds))")

        // The whole subnets prefix emptied: refused, nothing deleted.
        try etcd.ctl(["del", "--prefix", "/coreos.com/network/subnets/"])
        Thread.sleep(forTimeInterval: 0.5)
        #expect(node.isConverged, "an emptied store must not delete the peers:\n\(node.flannelRoutes())")
        try etcd.load(leasesFile: node.path("leases.json"), netConfFile: nil)

        // etcd dies: nothing is deleted, the agent keeps running and says so in its metrics.
        etcd.kill()
        Thread.sleep(forTimeInterval: 1.5)
        #expect(agent.isRunning)
        #expect(node.isConverged, "etcd outage deleted routes:\n\(node.flannelRoutes())")
        let metrics = node.get("http://127.0.0.1:9464/metrics").body
        let errors = PrometheusText.value(metrics, "netplan_flannel_lease_source_errors_total", labels: ["reason": "unreachable"]) ?? 0
        #expect(errors >= 1, "lease source errors not counted:\n\(metrics)")
        #expect(PrometheusText.value(metrics, "netplan_flannel_lease_source_up") == 0)
        // Drift during the outage is still repaired from the last good set.
        try node.ip("route", "del", "10.244.2.0/24")
        #expect(eventually(timeout: 2) { node.isConverged } != nil, "drift not repaired during the etcd outage")

        // etcd returns: the agent reconnects (back-off ≤ 2 s) and follows changes again.
        try etcd.start()
        let (key2, value2) = EtcdServer.lease(subnet: 10, publicIP: "172.22.0.100", mac: "0e:4c:8b:10:0a:01")
        try etcd.put(key2, value2)
        let recovered = eventually(timeout: 8) { node.flannelRoutes().contains { $0.hasPrefix("10.244.10.0/24 via 10.244.10.0 dev flannel.1") } }
        #expect(recovered != nil, "no recovery after etcd returned:\n\(agent.log)")
        #expect(node.isConverged)
        #expect(agent.stop() == 0, "\(agent.log)")
    }

    /// TLS with client certificates: the agent programs from an etcd that refuses anyone else,
    /// and follows a change. The first endpoint listed is dead: the agent fails over.
    @Test func programsFromEtcdOverTLSWithClientCertificates() throws {
        let node = try ReconcileNode(tag: "etls")
        defer { node.shutdown() }
        let etcd = try EtcdServer(namespace: node.namespace, directory: node.directory, tls: true)
        defer { etcd.kill() }
        try etcd.load(leasesFile: node.path("leases.json"), netConfFile: nil)
        // Plain http to the TLS port, or TLS without a client certificate, gets nothing.
        let withoutCert = try Shell.run(
            ["ip", "netns", "exec", node.namespace, "curl", "-s", "-m", "2", "--cacert", etcd.certificates?.ca ?? "",
             "-X", "POST", "-d", "{\"key\":\"Lw==\"}", "\(etcd.url)/v3/kv/range"], check: false
        )
        #expect(withoutCert.status != 0 || !withoutCert.stdout.contains("header"), "etcd must require a client certificate")

        let endpoints = "etcd://127.0.0.1:2391,127.0.0.1:\(EtcdServer.clientPort)"
        let agent = try node.startAgent(leases: endpoints, extra: etcd.agentFlags + ["--metrics-address", "off"])
        defer { agent.stop() }
        try #require(eventually(timeout: 10) { node.isConverged } != nil, "not programmed over TLS:\n\(agent.log)")
        #expect(agent.log.contains("127.0.0.1:2391"), "the dead endpoint was never tried (or its failure not logged):\n\(agent.log)")
        let (key, value) = EtcdServer.lease(subnet: 9, publicIP: "172.22.0.99", mac: "0e:4c:8b:10:09:01")
        try etcd.put(key, value)
        #expect(eventually(timeout: 1) { node.flannelRoutes().contains { $0.hasPrefix("10.244.9.0/24") } } != nil, "\(agent.log)")
        #expect(agent.stop() == 0)
    }

    static func ms(_ seconds: Double?) -> String {
        seconds.map { String(format: "%.0f ms", $0 * 1000) } ?? "never"
    }
}
