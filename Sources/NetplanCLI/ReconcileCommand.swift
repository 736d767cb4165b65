import Apply
import ArgumentParser
import BuildInfo
import Desired
import Foundation
import InputFiles
import LeaseSources
import Logging
import Planner
import Reconcile

struct ReconcileCommand: ConsoleCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Run as the node agent: keep the kernel matching the leases, repairing drift as it happens.",
        discussion: """
            Runs a full observe + plan + apply pass at start, every --interval, whenever the lease \
            source changes, and a few milliseconds after the kernel reports a change to an owned \
            route, neighbour, FDB entry or the vxlan device; a change to routes, neighbours or FDB \
            entries alone is repaired by planning just those objects against the last full pass \
            (logged with scope=targeted). --leases is a FILE (re-read when it \
            changes) or etcd://HOST:PORT[,HOST:PORT…][/prefix] (default prefix /coreos.com/network; \
            <prefix>/config is read when --net-conf is not given). When the source fails, the last \
            good lease set stays programmed; an empty set never replaces a non-empty one. \
            SIGTERM and SIGINT stop the agent and leave the data plane in place. \
            --once exits 0 when nothing changed, 2 when something did (or, with --dry-run, would), 1 on error \
            or when peers were skipped (everything else is still applied; a skipped: line names each).
            """
    )

    @OptionGroup var inputs: InputOptions

    @Option(help: "Full resync period: 30s, 500ms, 5m, or seconds.")
    var interval: String = "30s"

    @Flag(help: "Run one pass and exit: 0 nothing changed, 2 changed, 1 error.")
    var once = false

    @Flag(name: .customLong("dry-run"), help: "Report drift (what would change); change nothing.")
    var dryRun = false

    @Option(name: .customLong("metrics-address"), help: "HOST:PORT for /metrics and /healthz (\"off\" to disable). A wildcard address only when given.")
    var metricsAddress: String = "127.0.0.1:9464"

    @Option(name: .customLong("etcd-cafile"), help: "etcd: CA certificate (PEM) to verify the server; any TLS flag means https.")
    var etcdCAFile: String?

    @Option(name: .customLong("etcd-certfile"), help: "etcd: client certificate (PEM).")
    var etcdCertFile: String?

    @Option(name: .customLong("etcd-keyfile"), help: "etcd: client private key (PEM).")
    var etcdKeyFile: String?

    @Flag(name: .customLong("kube-subnet-mgr"), help: "Follow the Kubernetes API for leases, as flanneld's flag: the nodes' spec.podCIDR(s) and flannel's annotations. This node is --node, else the NODE_NAME environment variable; the net-conf is --net-conf, else --net-config-path, else /etc/kube-flannel/net-conf.json.")
    var kubeSubnetMgr = false

    @Option(name: .customLong("kubeconfig-file"), help: "kube: a kubeconfig (token, tokenFile or client certificate; CA inline or a file). Default: the in-cluster service account.")
    var kubeconfigFile: String?

    @Option(name: .customLong("kube-api-url"), help: "kube: the API server URL, over the kubeconfig's server.")
    var kubeAPIURL: String?

    @Option(name: .customLong("kube-annotation-prefix"), help: "kube: the prefix of flannel's node annotations, as flanneld's flag.")
    var kubeAnnotationPrefix: String = "flannel.alpha.coreos.com"

    @Option(help: "Milliseconds to wait after a kernel notification so a burst costs one pass.")
    var debounce: Int = 5

    @Option(name: .customLong("event-buffer"), help: ArgumentHelp("Receive buffer of the notification socket, bytes (tests provoke ENOBUFS with a small one).", visibility: .hidden))
    var eventBuffer: Int32?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    func validate() throws {
        guard ReconcileDuration.parse(interval) != nil else {
            throw ValidationError(
                "--interval \"\(interval)\": expected a duration from 1ms to 24h such as 30s, 500ms or 5m"
            )
        }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level \"\(logLevel)\": expected trace, debug, info, notice, warning, error or critical")
        }
        guard (0...1000).contains(debounce) else { throw ValidationError("--debounce: 0 to 1000 ms") }
    }

    func execute(_ console: Console) async throws -> Int32 {
        AgentHeap.useOneArena()
        var logger = Logger(label: "netplan-flannel.reconcile", factory: { label in StreamLogHandler.standardError(label: label) })
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        if !once {
            // First, so even an agent that fails to start says which build it is.
            logger.notice("\(BuildInfo.versionLine)", metadata: ["version": "\(BuildInfo.version)", "commit": "\(BuildInfo.commit)"])
        }
        var inputs = self.inputs
        let spec: LeaseSourceSpec
        var netConfPath = inputs.netConf
        if kubeSubnetMgr {
            if let leases = inputs.leases {
                throw InputError(.invalidValue, field: "--leases", "\"\(leases)\" and --kube-subnet-mgr: give one lease source")
            }
            if inputs.node == nil && inputs.nodeIP == nil {
                // As flanneld: the DaemonSet passes the node's name from spec.nodeName.
                guard let name = ProcessInfo.processInfo.environment["NODE_NAME"], !name.isEmpty else {
                    throw InputError(
                        .missingField, field: "--node",
                        "--kube-subnet-mgr needs this node's name: --node NAME or the NODE_NAME environment variable (kube-flannel's DaemonSet sets it from spec.nodeName)"
                    )
                }
                inputs.node = name
            }
            netConfPath = netConfPath ?? inputs.netConfigPath ?? FlannelFiles.defaultNetConfigPath
            spec = .kube
        } else {
            guard let leasesText = inputs.leases else {
                throw InputError(
                    .missingField, field: "--leases",
                    "a lease source is required: FILE, etcd://HOST:PORT[/prefix], or --kube-subnet-mgr")
            }
            spec = try Self.spec(leasesText)
        }
        let netConf = try netConfPath.map { path in try NetConfReader.parse(try ClusterInputs.read(path, limit: .netConf), source: path) }
        if !dryRun {
            do {
                try Applier.checkPrivileges()
            } catch {
                throw CommandFailure(message: "reconcile needs CAP_NET_ADMIN to change the kernel (run as root, or use --dry-run): \(error)")
            }
        }
        let metrics = ReconcileMetrics()
        let source = try makeSource(spec, readsConfig: netConf == nil, monitor: metrics)
        let store = LeaseSourceStore(logger: logger, metrics: metrics)
        let filter = ReconcileEventFilter()
        let health = ReconcileHealth()
        let pass = ReconcilePass(
            nodeFlags: Result { () throws(InputError) in try NodeFlags(inputs) }, netConf: netConf, store: store, filter: filter, metrics: metrics, logger: logger,
            dryRun: dryRun, health: health
        )
        if once {
            defer { pass.close() }
            let first: LeaseSet
            do {
                first = try await source.read()
            } catch {
                await source.shutdown()
                throw CommandFailure(message: "\(error)")
            }
            await source.shutdown()
            store.take(.leases(first))
            let outcome = pass.run(reasons: [.start])
            if dryRun, let plan = pass.lastPlan {
                console.write(PlanText.render(plan.plan, header: "netplan-flannel reconcile --dry-run for \(plan.headline)"))
            }
            // As the one-shot commands: the rest is done, the peers left out make it an error.
            let skipped = health.skippedPeers
            if case .failed = outcome {} else if !skipped.isEmpty {
                console.error(skipped.skippedReport)
                return 1
            }
            switch outcome {
            case .unchanged: return 0
            case .changed, .drift: return 2
            case .waiting: throw CommandFailure(message: "\(first.source): the lease set was refused (see the log)")
            case .failed(let why): throw CommandFailure(message: why)
            }
        }
        return try await runAgent(
            source: source, sourceName: (source as? KubeLeaseSource).map { "kube: \($0.config.source)" } ?? inputs.leases ?? "-", store: store,
            filter: filter, metrics: metrics, health: health, pass: pass, logger: logger
        )
    }

    private func runAgent(
        source: any LeaseSource, sourceName: String, store: LeaseSourceStore, filter: ReconcileEventFilter, metrics: ReconcileMetrics,
        health: ReconcileHealth, pass: ReconcilePass, logger: Logger
    ) async throws -> Int32 {
        let trigger = ReconcileTrigger()
        var server: MetricsServer?
        if metricsAddress != "off" {
            let (host, port) = try Self.hostPort(metricsAddress)
            do {
                server = try await MetricsServer.start(host: host, port: port, metrics: metrics, health: { health.report() })
            } catch {
                await source.shutdown()
                throw CommandFailure(message: "--metrics-address \(metricsAddress): cannot listen: \(error)")
            }
        }
        // Signals are taken by dispatch sources, never by a handler running arbitrary code.
        signal(SIGTERM, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        let signalSources = [SIGTERM, SIGINT].map { number in
            let signalSource = DispatchSource.makeSignalSource(signal: number, queue: .global())
            signalSource.setEventHandler {
                logger.notice("signal \(number == SIGTERM ? "SIGTERM" : "SIGINT"): stopping; the data plane stays as it is")
                trigger.stop()
            }
            signalSource.resume()
            return signalSource
        }
        let follower = Task {
            await source.follow { event in
                if store.take(event) { trigger.post(.leases) }
            }
        }
        let loop = ReconcileLoop(
            pass: pass, trigger: trigger, filter: filter, metrics: metrics, logger: logger,
            interval: ReconcileDuration.parse(interval) ?? 30, debounce: Double(debounce) / 1000, eventBuffer: eventBuffer,
            ledger: pass.ledger
        )
        logger.notice("reconcile started", metadata: [
            "leases": "\(sourceName)", "interval": "\(interval)", "dry_run": "\(dryRun)",
            "metrics": "\(server?.localAddress ?? "off")",
        ])
        async let events: Void = ReconcileLoop.onThread(name: "netlink-events") { loop.readEvents() }
        await ReconcileLoop.onThread(name: "reconcile") { loop.runPasses() }
        trigger.stop()
        await events
        follower.cancel()
        await follower.value
        await source.shutdown()
        await server?.stop()
        for signalSource in signalSources { signalSource.cancel() }
        logger.notice("reconcile stopped")
        return 0
    }

    static func spec(_ text: String) throws -> LeaseSourceSpec {
        do {
            return try LeaseSourceSpec.parse(text)
        } catch {
            throw CommandFailure(message: "--leases: \(error)")
        }
    }

    private func makeSource(_ spec: LeaseSourceSpec, readsConfig: Bool, monitor: any LeaseSourceMonitor) throws -> any LeaseSource {
        switch spec {
        case .kube:
            let prefix = try KubeAnnotationPrefix(kubeAnnotationPrefix)
            do {
                let config = try KubeClientConfig.load(
                    kubeconfigFile: kubeconfigFile, apiURL: kubeAPIURL, environment: ProcessInfo.processInfo.environment
                )
                return KubeLeaseSource(config: config, prefix: prefix, monitor: monitor)
            } catch {
                throw CommandFailure(message: "--kube-subnet-mgr: \(error)")
            }
        case .file(let path):
            if path == "-" && !once {
                throw InputError(.invalidValue, field: "--leases", "standard input cannot be followed: give a FILE or etcd://HOST:PORT")
            }
            if readsConfig {
                throw InputError(.missingField, field: "--net-conf", "a flannel net-conf.json is required with a lease file")
            }
            return FileLeaseSource(path: path)
        case .etcd(let endpoints, let prefix):
            do {
                return try EtcdLeaseSource(
                    endpoints: endpoints, prefix: prefix,
                    tls: EtcdTLSFiles(caFile: etcdCAFile, certFile: etcdCertFile, keyFile: etcdKeyFile),
                    readsConfig: readsConfig, monitor: monitor
                )
            } catch {
                throw CommandFailure(message: "--leases: \(error)")
            }
        }
    }

    /// `HOST:PORT`, `[v6]:PORT` or `:PORT` (all addresses, only when asked for).
    static func hostPort(_ text: String) throws -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw CommandFailure(message: "--metrics-address \"\(text)\": expected HOST:PORT")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty { host = "0.0.0.0" }
        return (host, port)
    }
}

/// `30s`, `500ms`, `5m`, `1h`, or a bare number of seconds, from 1 ms to 24 h.
enum ReconcileDuration {
    /// The periods that make sense: below a millisecond the agent would spin (`Double` reads
    /// `1e-300` as well as `0`), above a day it never resyncs, and `inf` or `nan` (which
    /// `Double` also reads) are no period at all.
    static let range: ClosedRange<TimeInterval> = 0.001...86_400

    static func parse(_ text: String) -> TimeInterval? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        let (number, scale) = units.first { text.hasSuffix($0.0) }.map { (text.dropLast($0.0.count), $0.1) }
            ?? (Substring(text), 1)
        // Only plain decimals: `Double` also reads `inf`, `nan` and hex floats (`0x1p4`).
        guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
              let value = Double(number)
        else { return nil }
        let seconds = value * scale
        return seconds.isFinite && range.contains(seconds) ? seconds : nil
    }
}
