import Foundation
import Glibc

/// `scripts/kube-test-apiserver` (a Kubernetes API server for `/api/v1/nodes`, python3) on the
/// loopback of a node namespace, with TLS from a CA made here with openssl, a token file, and
/// its admin API (plain HTTP on the namespace's 127.0.0.1) driven with curl. Killed on deinit.
///
/// The ports are chosen by the server on the first start (`--port 0`) and read from the JSON
/// line it prints; `start()` after `kill()` binds the same ones again, so a kubeconfig written
/// before stays valid.
final class KubeTestAPIServer: @unchecked Sendable {
    struct Certificates {
        /// The CA that signed the server's certificate: what a client must trust.
        var ca: String
        var serverCert: String
        var serverKey: String
        /// A second CA, unrelated to the server: a client trusting only it must refuse the server.
        var otherCA: String
    }

    /// A fault the API answers with until cleared (`fault(nil)`), or for `count` requests.
    enum Fault: String {
        /// `expired`: a watch gets one ERROR 410 event, a list HTTP 410 (as after a compaction).
        case unauthorized = "401", forbidden = "403", expired = "410", internalError = "500", garbage, hang
    }

    /// Which requests a fault hits.
    enum Scope: String {
        case all, list, watch, get
    }

    /// The admin API's `/stats`.
    struct Stats {
        /// `"GET /api/v1/nodes 200"` → count (status may also be `hang`).
        var requests: [String: Int]
        /// `"list 200"`, `"watch 200"`, `"get 404"`, `"list 401"`… → count.
        var byKind: [String: Int]
        var watchesStarted: Int
        var openWatches: Int
        var tlsFailures: Int
        var resourceVersion: Int
        var nodes: Int

        func count(_ kind: String, _ status: Int = 200) -> Int { byKind["\(kind) \(status)"] ?? 0 }
        /// Successful lists (every page counts).
        var lists: Int { count("list") }
    }

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts/kube-test-apiserver").path

    /// Debian's python3 (scripts/install-deps) when present, rather than whatever PATH finds first.
    static var python: String {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : "python3"
    }

    /// True when the server can run here: python3 and openssl on PATH (curl for the admin API).
    static var isAvailable: Bool {
        Shell.resolve("python3") != nil && Shell.resolve("openssl") != nil && Shell.resolve("curl") != nil
    }

    let namespace: String
    let directory: URL
    let certificates: Certificates
    let tokenFile: String
    private(set) var token: String
    private(set) var port = 0
    private(set) var adminPort = 0
    private(set) var process: BackgroundProcess?
    private let extraArguments: [String]

    var url: String { "https://127.0.0.1:\(port)" }
    var adminURL: String { "http://127.0.0.1:\(adminPort)" }
    var log: String { process?.log ?? "" }

    /// Makes certificates and a token file in `directory`, then starts the server in `namespace`.
    /// - Parameters:
    ///   - bulk: nodes `node-00001`… the server starts with (no history: the first watch is
    ///     from the list's resourceVersion).
    ///   - quiet: no request log (benchmarks).
    ///   - extra: more server flags (`--bookmark-interval 1`, `--history-size 100`, `--no-gzip`…).
    ///   - address: where the API listens (`0.0.0.0` for agents in other namespaces);
    ///   - serverIPs: more addresses the server certificate names (those agents connect to).
    init(namespace: String, directory: URL, token: String = "test-token-1", bulk: Int = 0, quiet: Bool = false,
         address: String = "127.0.0.1", serverIPs: [String] = [], extra: [String] = []) throws {
        self.namespace = namespace
        self.directory = directory
        self.token = token
        tokenFile = directory.appendingPathComponent("kube-tokens").path
        certificates = try Self.makeCertificates(in: directory, ips: serverIPs)
        extraArguments = (bulk > 0 ? ["--bulk", String(bulk)] : []) + (quiet ? ["--quiet"] : []) + ["--address", address] + extra
        try token.appending("\n").write(toFile: tokenFile, atomically: true, encoding: .utf8)
        try start()
    }

    deinit { process?.stop(grace: 2) }

    /// Starts the server (again, after `kill()`: on the same ports) and waits until it answers.
    func start(_ once: [String] = []) throws {
        let command = [
            Self.python, Self.script, "--cert", certificates.serverCert, "--key", certificates.serverKey,
            "--token-file", tokenFile, "--port", String(port), "--admin-port", String(adminPort),
        ] + extraArguments + once
        let started = try BackgroundProcess(namespace: namespace, command, logName: "kube-apiserver")
        process = started
        let ports = eventually(timeout: 30, poll: 0.05) { Self.ports(in: started.log) != nil || !started.isRunning }
        guard ports != nil, let (api, admin) = Self.ports(in: started.log) else {
            throw ShellError(command: command, reason: .unexpectedOutput("the server's {\"port\":…} line within 30 s"),
                             stdout: started.log, stderr: "")
        }
        port = api
        adminPort = admin
        guard eventually(timeout: 10, poll: 0.05, { self.curl("/version").status == 0 }) != nil else {
            throw ShellError(command: command, reason: .unexpectedOutput("/version to answer"), stdout: started.log, stderr: "")
        }
    }

    /// The nodes as stored now, and the resourceVersion: what etcd would keep across an API
    /// server's restart.
    func persistedState() throws -> (file: String, resourceVersion: Int) {
        let names = try admin("GET", "/nodes")["names"] as? [String] ?? []
        var items: [Any] = []
        for name in names { items.append(try admin("GET", "/nodes/\(name)")) }
        let file = directory.appendingPathComponent("kube-persisted-nodes.json").path
        let data = try JSONSerialization.data(withJSONObject: ["kind": "NodeList", "apiVersion": "v1", "items": items])
        try data.write(to: URL(fileURLWithPath: file))
        return (file, try stats().resourceVersion)
    }

    /// Starts again after `kill()` with `state`'s nodes, going on from a later resourceVersion
    /// with an empty history, as a restarted kube-apiserver does (its watch cache is new: a
    /// watch from before the restart gets 410 and the client lists again).
    func restart(from state: (file: String, resourceVersion: Int)) throws {
        try start(["--nodes", state.file, "--initial-resource-version", String(state.resourceVersion + 1000)])
    }

    /// SIGKILL, as a crashed API server: connections end without a goodbye.
    func kill() {
        process?.kill(SIGKILL)
        _ = process?.waitForExit(timeout: 5)
        process = nil
    }

    // MARK: - Tokens and kubeconfig

    /// Rewrites the token file: the server accepts only `newToken` from its next request on.
    /// `alsoAccept` keeps other tokens valid (an overlap, as a real rotation has).
    func rotateToken(to newToken: String, alsoAccept: [String] = []) throws {
        token = newToken
        try ([newToken] + alsoAccept).joined(separator: "\n").appending("\n")
            .write(toFile: tokenFile, atomically: true, encoding: .utf8)
    }

    /// How a kubeconfig gives the bearer token.
    enum TokenSource {
        /// `token:` inline.
        case inline(String)
        /// `tokenFile:` a path (the agent re-reads it when it changes).
        case file(String)
        /// No user credentials at all.
        case none
    }

    /// Writes a kubeconfig (kubectl's format: clusters, contexts, users, current-context) for
    /// this server and returns its path.
    /// - Parameters:
    ///   - ca: the CA file the client trusts (default: the server's CA; `certificates.otherCA`
    ///     for the wrong-CA test).
    ///   - inlineCA: `certificate-authority-data` (base64) instead of a `certificate-authority` path.
    ///   - token: default the current token, inline.
    ///   - server: default `url`.
    @discardableResult
    func writeKubeconfig(to path: String? = nil, ca: String? = nil, inlineCA: Bool = false, token: TokenSource? = nil,
                         server: String? = nil) throws -> String {
        let path = path ?? directory.appendingPathComponent("kubeconfig").path
        let caFile = ca ?? certificates.ca
        let caLine: String
        if inlineCA {
            let data = try Data(contentsOf: URL(fileURLWithPath: caFile))
            caLine = "certificate-authority-data: \(data.base64EncodedString())"
        } else {
            caLine = "certificate-authority: \(caFile)"
        }
        let user: String
        switch token ?? .inline(self.token) {
        case .inline(let value): user = "    token: \(value)"
        case .file(let file): user = "    tokenFile: \(file)"
        case .none: user = "    {}"
        }
        let text = """
        apiVersion: v1
        kind: Config
        clusters:
        - cluster:
            \(caLine)
            server: \(server ?? url)
          name: kube-test
        contexts:
        - context:
            cluster: kube-test
            user: netplan-flannel
          name: netplan-flannel@kube-test
        current-context: netplan-flannel@kube-test
        preferences: {}
        users:
        - name: netplan-flannel
          user:
        \(user)

        """
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    // MARK: - The API, as a client sees it

    /// `curl` inside the namespace against the API (TLS, trusting `ca`, default the server's CA;
    /// with `token`, default the current one; `token: ""` sends none). `-i` adds the headers.
    func curl(_ path: String, ca: String? = nil, token: String? = nil, extra: [String] = [], timeout: Double = 5) -> CommandResult {
        var command = ["ip", "netns", "exec", namespace, "curl", "-s", "-S", "-m", String(Int(timeout.rounded(.up))),
                       "--cacert", ca ?? certificates.ca]
        let bearer = token ?? self.token
        if !bearer.isEmpty { command += ["-H", "Authorization: Bearer \(bearer)"] }
        command += extra + [url + path]
        return (try? Shell.run(command, check: false, timeout: timeout + 5))
            ?? CommandResult(command: command, status: -1, stdout: "", stderr: "curl did not finish")
    }

    /// A GET of the API decoded as JSON (nil if it is not JSON).
    func getJSON(_ path: String) -> [String: Any]? {
        let result = curl(path)
        return try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
    }

    // MARK: - Admin API

    /// One admin request; the answer decoded (every answer carries `resourceVersion`).
    @discardableResult
    func admin(_ method: String, _ path: String, _ body: [String: Any]? = nil) throws -> [String: Any] {
        var command = ["ip", "netns", "exec", namespace, "curl", "-s", "-S", "-m", "30", "-X", method,
                       "-w", "\n%{http_code}", adminURL + path]
        if let body {
            let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
            command += ["-H", "Content-Type: application/json", "--data-binary", String(decoding: data, as: UTF8.self)]
        }
        let result = try Shell.run(command, timeout: 60)
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let code = lines.last.map(String.init) ?? ""
        let text = lines.dropLast().joined(separator: "\n")
        guard code == "200" else {
            throw ShellError(command: command, reason: .unexpectedOutput("admin \(method) \(path) answered \(code)"),
                             stdout: text, stderr: result.stderr)
        }
        return (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
    }

    private static func resourceVersion(_ answer: [String: Any]) -> Int {
        Int(answer["resourceVersion"] as? String ?? "") ?? -1
    }

    /// Adds (ADDED) or replaces (MODIFIED) a node in the compact form the server expands into a
    /// realistic document. `extra` adds compact-form keys: "internalIP", "podCIDRs",
    /// "controlPlane", "kubeSubnetManager", "backendData", "annotations". Returns the new resourceVersion.
    @discardableResult
    func addNode(_ name: String, podCIDR: String, publicIP: String, vtepMAC: String, backendType: String = "vxlan",
                 extra: [String: Any] = [:]) throws -> Int {
        var body: [String: Any] = ["name": name, "podCIDR": podCIDR, "publicIP": publicIP, "vtepMAC": vtepMAC,
                                   "backendType": backendType]
        body.merge(extra) { _, new in new }
        return Self.resourceVersion(try admin("POST", "/nodes", body))
    }

    /// Adds or replaces a node given as a whole document (kind/apiVersion optional).
    @discardableResult
    func addNode(document: [String: Any]) throws -> Int {
        Self.resourceVersion(try admin("POST", "/nodes", document))
    }

    @discardableResult
    func deleteNode(_ name: String) throws -> Int { Self.resourceVersion(try admin("DELETE", "/nodes/\(name)")) }

    /// Rewrites the node's backend-data annotation with this VtepMAC (a MODIFIED event).
    @discardableResult
    func setVtepMAC(_ name: String, _ mac: String) throws -> Int {
        Self.resourceVersion(try admin("POST", "/nodes/\(name)/vtep-mac", ["mac": mac]))
    }

    @discardableResult
    func setPublicIP(_ name: String, _ ip: String) throws -> Int {
        Self.resourceVersion(try admin("POST", "/nodes/\(name)/public-ip", ["ip": ip]))
    }

    /// Merges annotations into the node (nil removes one).
    @discardableResult
    func setAnnotations(_ name: String, _ annotations: [String: String?]) throws -> Int {
        let body = annotations.mapValues { value -> Any in value.map { $0 as Any } ?? NSNull() }
        return Self.resourceVersion(try admin("POST", "/nodes/\(name)/annotations", body))
    }

    /// `count` heartbeat-only MODIFIED events for `node`, or for every node when nil (only the
    /// kubelet's conditions' lastHeartbeatTime, its managedFields time and resourceVersion change).
    @discardableResult
    func heartbeats(node: String? = nil, count: Int = 1) throws -> Int {
        var body: [String: Any] = ["count": count]
        if let node { body["node"] = node }
        return Self.resourceVersion(try admin("POST", "/heartbeats", body))
    }

    /// `node-00001`…`node-N` (see the script's make_bulk: podCIDRs from `network`, default
    /// 10.244.0.0/16 up to 255 nodes and 10.0.0.0/8 above; public IPs 192.168.0.0/16 + k).
    @discardableResult
    func bulkLoad(count: Int, network: String? = nil, offset: Int = 1) throws -> Int {
        var body: [String: Any] = ["count": count, "offset": offset]
        if let network { body["network"] = network }
        return Self.resourceVersion(try admin("POST", "/bulk", body))
    }

    /// Drops the whole history: a watch from any older resourceVersion gets the ERROR 410 event,
    /// and a continue token of an older list gets 410.
    @discardableResult
    func compact() throws -> Int { Self.resourceVersion(try admin("POST", "/compact")) }

    /// A BOOKMARK now on every watch that allowed bookmarks.
    func bookmark() throws { try admin("POST", "/bookmark") }

    /// Finishes every open watch cleanly, as the server-side timeout does.
    func endWatches() throws { try admin("POST", "/end-watches") }

    /// Every open watch gets half a JSON line, then its connection is closed (`reset`: a TCP RST).
    func cutWatches(reset: Bool = false) throws { try admin("POST", "/cut-watches", ["reset": reset]) }

    /// Answers requests in `scope` with `fault` until `fault(nil)`, or for the next `count` of them.
    func fault(_ fault: Fault?, scope: Scope = .all, count: Int? = nil) throws {
        guard let fault else {
            try admin("DELETE", "/fault")
            return
        }
        var body: [String: Any] = ["mode": fault.rawValue, "scope": scope.rawValue]
        if let count { body["count"] = count }
        try admin("POST", "/fault", body)
    }

    func stats() throws -> Stats {
        let answer = try admin("GET", "/stats")
        return Stats(
            requests: answer["requests"] as? [String: Int] ?? [:],
            byKind: answer["by_kind"] as? [String: Int] ?? [:],
            watchesStarted: answer["watches_started"] as? Int ?? 0,
            openWatches: answer["open_watches"] as? Int ?? 0,
            tlsFailures: answer["tls_failures"] as? Int ?? 0,
            resourceVersion: Self.resourceVersion(answer),
            nodes: answer["nodes"] as? Int ?? 0
        )
    }

    func resetStats() throws { try admin("POST", "/reset-stats") }

    /// The nodes of a golden case's etcd-style leases file (`{"/coreos.com/network/subnets/10.244.N.0-24": lease}`)
    /// as nodes `nodeN` (node0 is the seed000 case's own node, 172.22.0.239). Returns the names.
    @discardableResult
    func load(leasesFile: String) throws -> [String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: leasesFile))
        guard let leases = try JSONSerialization.jsonObject(with: data) as? [String: [String: Any]] else { return [] }
        var names: [String] = []
        for (key, lease) in leases.sorted(by: { $0.key < $1.key }) {
            let subnet = key.split(separator: "/").last.map(String.init) ?? ""
            let cidr = subnet.replacingOccurrences(of: "-", with: "/")
            let third = cidr.split(separator: ".").dropFirst(2).first.map(String.init) ?? "0"
            let backendData = lease["BackendData"] as? [String: Any]
            try addNode("node\(third)", podCIDR: cidr, publicIP: lease["PublicIP"] as? String ?? "",
                        vtepMAC: backendData?["VtepMAC"] as? String ?? "", backendType: lease["BackendType"] as? String ?? "vxlan")
            names.append("node\(third)")
        }
        return names
    }

    // MARK: - Setup

    private static func ports(in log: String) -> (Int, Int)? {
        for line in log.split(separator: "\n") where line.hasPrefix("{\"port\"") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Int],
                  let port = object["port"], let admin = object["admin_port"] else { continue }
            return (port, admin)
        }
        return nil
    }

    /// A CA and a server certificate it signs (SAN 127.0.0.1, localhost and the in-cluster
    /// names of kube-apiserver's certificate), and an unrelated second CA.
    static func makeCertificates(in directory: URL, ips: [String] = []) throws -> Certificates {
        let more = ips.map { ",IP:\($0)" }.joined()
        let extensions = """
        subjectAltName=IP:127.0.0.1\(more),DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
        extendedKeyUsage=serverAuth
        keyUsage=critical,digitalSignature,keyEncipherment

        """
        let ca = try TestPKI.makeCA("kube-ca", subject: "/CN=kubernetes", in: directory)
        let other = try TestPKI.makeCA("kube-other-ca", subject: "/CN=not-this-cluster", in: directory)
        let server = try TestPKI.issue("kube-apiserver", subject: "/CN=kube-apiserver", extensions: extensions, by: ca, in: directory)
        return Certificates(ca: ca.certificate, serverCert: server.certificate, serverKey: server.key, otherCA: other.certificate)
    }
}

extension ReconcileNode {
    /// The agent following `server` with `--kube-subnet-mgr` (flanneld's flags), as node `node`
    /// (`node0` is this namespace's node, 172.22.0.239, once `server.load(leasesFile:)` ran), with
    /// the case's net-conf and a kubeconfig written for the server (token inline) unless given.
    func startKubeAgent(server: KubeTestAPIServer, node: String = "node0", kubeconfig: String? = nil,
                        extra: [String] = []) throws -> BackgroundProcess {
        let kubeconfig = try kubeconfig ?? server.writeKubeconfig()
        let arguments = [
            ToolBinary.path, "reconcile", "--kube-subnet-mgr", "--kubeconfig-file", kubeconfig, "--node", node,
            "--net-conf", path("net-conf.json"), "--log-level", "debug",
        ]
        return try BackgroundProcess(namespace: namespace, arguments + extra, logName: "agent")
    }
}
