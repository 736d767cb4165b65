import AsyncHTTPClient
import Desired
import Foundation
import NIOCore
import NIOSSL

/// flannel's etcd store, read through etcd's v3 JSON gateway (`/v3/kv/range`, `/v3/watch`):
/// every lease under `<prefix>/subnets/` and, unless `--net-conf` is given, `<prefix>/config`.
///
/// It lists, then watches from the listed revision + 1 and applies each event batch to a cache of
/// the listed records (`EtcdLeaseCache`): a batch that changes parsed leases is reported as
/// `.update(set, delta)`, one that changes nothing (an identical PUT) is not reported, and one
/// that changes a record that does not parse is reported as a whole `.leases(set)`. Every set it
/// reports is the set a list at that revision would read, in the same order. A change of
/// `<prefix>/config`, a compaction, a cancel, a broken stream or the watch's age limit ends the
/// watch and it lists again. Endpoints are tried in order; a failure moves to the next and backs
/// off (doubling up to `maxBackoff`).
///
/// `shutdown()` must be called before the source is released (AsyncHTTPClient's rule).
public final class EtcdLeaseSource: LeaseSource {
    public let endpoints: [EtcdEndpoint]
    public let prefix: String
    public let readsConfig: Bool
    let tls: EtcdTLSFiles
    let client: HTTPClient
    let requestTimeout: TimeAmount
    let initialBackoff: Duration
    let maxBackoff: Duration
    /// A watch is ended and the set listed afresh after this long: a TCP connection that died
    /// silently (no FIN, no RST) would otherwise leave the agent on a stale set forever.
    let maxWatch: Duration
    private let current = LockedIndex()
    /// Where lists, restarts, events and the cache size are counted (the agent's metrics).
    let monitor: (any LeaseSourceMonitor)?
    private let lists = LockedIndex()

    /// How many times the subnets prefix was listed (`/v3/kv/range`), by `read` and `follow`:
    /// once per start, re-list and failure recovery, never per watch event.
    public var listCount: Int { lists.value }

    /// The largest range response read (`/v3/kv/range`). The agent runs under the 128 Mi memory
    /// limit of deploy/daemonset.yaml, and a response is parsed into a tree about twice its size
    /// while the previous lease set and the kernel state are still held. 5,000 leases through the
    /// JSON gateway are ~1.6 MB, so 32 MiB is twenty times a large cluster and still leaves the
    /// agent room; a bigger answer is refused as invalid rather than risking an OOM kill.
    public static let maxRangeBody = 32 << 20

    /// The longest watch message (one line of the gateway's stream) kept while waiting for its
    /// newline. A line holds one event batch; etcd caps a transaction at 128 operations
    /// (`--max-txn-ops`) of at most 1.5 MiB (`--max-request-bytes`), and a lease event is a few
    /// hundred bytes. Anything longer is a broken or hostile peer: the stream is dropped (`follow`
    /// reports the failure, which the agent logs, and lists again after its back-off) instead of
    /// the buffer growing until the agent is killed. Two streams run at once (subnets, config),
    /// so the watch holds at most 16 MiB.
    let maxWatchLine: Int

    public init(
        endpoints: [EtcdEndpoint], prefix: String, tls: EtcdTLSFiles = EtcdTLSFiles(), readsConfig: Bool,
        requestTimeout: Duration = .seconds(3), initialBackoff: Duration = .milliseconds(100), maxBackoff: Duration = .seconds(2),
        maxWatch: Duration = .seconds(300), maxWatchLine: Int = 8 << 20, eventLoopGroup: (any EventLoopGroup)? = nil,
        monitor: (any LeaseSourceMonitor)? = nil
    ) throws(LeaseSourceError) {
        self.maxWatch = maxWatch
        self.monitor = monitor
        self.maxWatchLine = maxWatchLine
        self.endpoints = endpoints
        self.prefix = prefix
        self.readsConfig = readsConfig
        self.tls = tls
        self.requestTimeout = .nanoseconds(Int64(requestTimeout.components.seconds) * 1_000_000_000 + requestTimeout.components.attoseconds / 1_000_000_000)
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        var configuration = HTTPClient.Configuration(
            timeout: HTTPClient.Configuration.Timeout(connect: .seconds(2), read: nil)
        )
        configuration.httpVersion = .http1Only
        if tls.isEnabled {
            configuration.tlsConfiguration = try Self.tlsConfiguration(tls, source: endpoints.first.map { "\($0)" } ?? "etcd")
        }
        // A group of the caller's (a test's, whose threads live in a network namespace), else NIO's own.
        client = HTTPClient(eventLoopGroupProvider: eventLoopGroup.map { .shared($0) } ?? .singleton, configuration: configuration)
    }

    public func shutdown() async {
        try? await client.shutdown()
    }

    /// Loads the PEM files (`TLSMaterial`). Each failure names its flag and path:
    /// `--etcd-cafile /etc/etcd/ca.pem: cannot read the file (ENOENT: …)`, or
    /// `…: not a PEM CA certificate (<NIOSSL's error>)`.
    static func tlsConfiguration(_ files: EtcdTLSFiles, source: String) throws(LeaseSourceError) -> TLSConfiguration {
        func pem(_ flag: String, _ path: String) throws(LeaseSourceError) -> (bytes: [UInt8], label: String) {
            let label = "\(flag) \(path)"
            return (try TLSMaterial.read(path, label: label, source: source), label)
        }
        var trustRoots: [NIOSSLCertificate]?
        if let ca = files.caFile {
            let file = try pem("--etcd-cafile", ca)
            trustRoots = try TLSMaterial.certificates(file.bytes, label: file.label, what: "a PEM CA certificate", source: source)
        }
        var chain: [NIOSSLCertificate]?
        var key: NIOSSLPrivateKey?
        switch (files.certFile, files.keyFile) {
        case let (certPath?, keyPath?):
            let cert = try pem("--etcd-certfile", certPath)
            chain = try TLSMaterial.certificates(cert.bytes, label: cert.label, what: "a PEM certificate", source: source)
            let keyFile = try pem("--etcd-keyfile", keyPath)
            key = try TLSMaterial.privateKey(keyFile.bytes, label: keyFile.label, source: source)
        case (nil, nil):
            break
        default:
            throw LeaseSourceError(.invalidSpec, source: source, "--etcd-certfile and --etcd-keyfile go together")
        }
        return TLSMaterial.clientConfiguration(trustRoots: trustRoots, certificateChain: chain, privateKey: key)
    }

    var description: String { "etcd://\(endpoints.map(\.description).joined(separator: ","))\(prefix)" }

    // MARK: - Reading

    /// Lists from the current endpoint, failing over to the others in turn.
    public func read() async throws(LeaseSourceError) -> LeaseSet {
        var lastError = LeaseSourceError(.unreachable, source: description, "no endpoint")
        for _ in endpoints.indices {
            let endpoint = endpoints[current.value % endpoints.count]
            do {
                return try await list(endpoint)
            } catch {
                lastError = error
                // Garbage from a reachable etcd is the data's fault, not the endpoint's.
                if error.kind == .invalid { throw error }
                current.advance()
            }
        }
        throw lastError
    }

    func list(_ endpoint: EtcdEndpoint) async throws(LeaseSourceError) -> LeaseSet {
        let subnets = Array("\(prefix)/subnets/".utf8)
        let source = recordSource(endpoint)
        lists.advance()
        let body = try await post("/v3/kv/range", ["key": Self.base64(subnets), "range_end": Self.base64(Self.rangeEnd(of: subnets))], endpoint)
        let reading: LeaseReading
        do {
            reading = try LeaseReader.read(body, source: source)
        } catch {
            throw LeaseSourceError(.invalid, source: source, "\(error)")
        }
        let revision = try Self.revision(in: body, source: source)
        var netConf: NetConf?
        if readsConfig {
            let configKey = "\(prefix)/config"
            let configSource = "etcd://\(endpoint)\(configKey)"
            let reply = try await post("/v3/kv/range", ["key": Self.base64(Array(configKey.utf8))], endpoint)
            guard let value = try Self.firstValue(in: reply, source: configSource) else {
                throw LeaseSourceError(.invalid, source: configSource, "the key is missing: flannel's network config is required (or give --net-conf)")
            }
            do {
                netConf = try NetConfReader.parse(value, source: configSource)
            } catch {
                throw LeaseSourceError(.invalid, source: configSource, "\(error)")
            }
        }
        return LeaseSet(
            leases: reading.leases, rejected: reading.rejected, netConf: netConf, source: "etcd://\(endpoint)\(prefix)",
            revision: revision
        )
    }

    /// What the records of a list from `endpoint` are named by in their errors; a record read
    /// from a watch event is named the same way, so it compares equal to the listed one.
    func recordSource(_ endpoint: EtcdEndpoint) -> String { "etcd://\(endpoint)\(prefix)/subnets/" }

    private func baseURL(_ endpoint: EtcdEndpoint) -> String {
        "\(tls.isEnabled ? "https" : "http")://\(endpoint)"
    }

    /// One JSON request/response exchange.
    func post(_ path: String, _ json: [String: Any], _ endpoint: EtcdEndpoint) async throws(LeaseSourceError) -> [UInt8] {
        let where_ = "etcd://\(endpoint)\(path)"
        var request = HTTPClientRequest(url: baseURL(endpoint) + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: Self.encode(json)))
        do {
            let response = try await client.execute(request, timeout: requestTimeout)
            let body: ByteBuffer
            do {
                body = try await response.body.collect(upTo: Self.maxRangeBody)
            } catch is NIOTooManyBytesError {
                throw LeaseSourceError(.invalid, source: where_, "the answer is over the \(Self.maxRangeBody >> 20) MiB cap for an etcd response")
            }
            let bytes = Array(body.readableBytesView)
            guard response.status == .ok else {
                throw LeaseSourceError(
                    response.status.code >= 500 ? .unreachable : .invalid, source: where_,
                    "HTTP \(response.status.code): \(String(decoding: bytes.prefix(300), as: UTF8.self))"
                )
            }
            return bytes
        } catch let error as LeaseSourceError {
            throw error
        } catch {
            throw LeaseSourceError(.unreachable, source: where_, "\(error)")
        }
    }

    // MARK: - Following

    /// Lists, reports, watches; on any failure reports it, keeps going on the next endpoint
    /// after a back-off. Ends when the task is cancelled.
    public func follow(_ report: @escaping @Sendable (LeaseSourceEvent) -> Void) async {
        var backoff = initialBackoff
        var listed = false
        while !Task.isCancelled {
            let endpoint = endpoints[current.value % endpoints.count]
            do {
                let set = try await list(endpoint)
                monitor?.listed()
                monitor?.cached(set.leases.count + set.rejected.count)
                report(.leases(set))
                backoff = initialBackoff
                listed = true
                // Watch until the stream ends; a compaction, a cancel or a new config asks for a fresh list.
                let ended = try await watch(endpoint, from: (set.revision ?? 0) + 1, following: set, report: report)
                monitor?.restarted(.list, reason: ended)
            } catch {
                if Task.isCancelled { return }
                monitor?.restarted(listed ? .watch : .list, reason: .error)
                listed = false
                report(.failure(error))
                if error.kind != .invalid { current.advance() }
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, maxBackoff)
            }
        }
    }

    /// Streams `/v3/watch` from `revision`. With `following` (the set listed at `revision - 1`),
    /// the subnets stream applies its events to a cache of that set and reports what changed;
    /// without, any event batch ends the watch. Returns when etcd ends the watch for a reason
    /// that a fresh list cures (compaction, cancel, a config change, an event the cache cannot
    /// follow: `.expired`) or the watch reaches its age limit (`.timeout`); throws when the stream
    /// breaks.
    @discardableResult
    func watch(
        _ endpoint: EtcdEndpoint, from revision: Int64, following set: LeaseSet? = nil,
        report: @escaping @Sendable (LeaseSourceEvent) -> Void = { _ in }
    ) async throws(LeaseSourceError) -> LeaseSourceRestart {
        let subnets = Array("\(prefix)/subnets/".utf8)
        let subnetsRange: [String: Any] = ["key": Self.base64(subnets), "range_end": Self.base64(Self.rangeEnd(of: subnets))]
        let configKey: [String: Any]? = readsConfig ? ["key": Self.base64(Array("\(prefix)/config".utf8))] : nil
        let follower = set.map {
            Follower(
                cache: EtcdLeaseCache(subnetsPrefix: subnets, recordSource: recordSource(endpoint), leases: $0.leases, rejected: $0.rejected),
                set: $0, report: report, monitor: monitor
            )
        }
        let where_ = "etcd://\(endpoint)/v3/watch"
        func body(_ key: [String: Any]) -> [UInt8] {
            var create = key
            create["start_revision"] = "\(revision)"
            return Self.encode(["create_request": create])
        }
        // One stream per watched range: the gateway carries one watch per request.
        do {
            // A stream that returns asks for a list (compaction, cancel, a config change, an event
            // the cache cannot follow: the revision no longer serves); the age limit is a timeout.
            return try await withThrowingTaskGroup(of: LeaseSourceRestart.self) { group in
                let subnetsBody = body(subnetsRange)
                group.addTask {
                    try await self.stream(subnetsBody, endpoint, where_: where_, following: follower)
                    return .expired
                }
                if let configKey {
                    let configBody = body(configKey)
                    group.addTask {
                        try await self.stream(configBody, endpoint, where_: where_, following: nil)
                        return .expired
                    }
                }
                let maxWatch = self.maxWatch
                group.addTask {
                    try await Task.sleep(for: maxWatch)
                    return .timeout
                }
                // The first stream to say "list again" (or to fail), or the watch's age limit, ends them all.
                let ended = try await group.next() ?? .timeout
                group.cancelAll()
                return ended
            }
        } catch let error as LeaseSourceError {
            throw error
        } catch {
            if Task.isCancelled { return .timeout }
            throw LeaseSourceError(.unreachable, source: where_, "\(error)")
        }
    }

    /// The cache a subnets stream applies its events to, and the set last reported from it.
    struct Follower {
        var cache: EtcdLeaseCache
        var set: LeaseSet
        let report: @Sendable (LeaseSourceEvent) -> Void
        let monitor: (any LeaseSourceMonitor)?
        /// The last set reported is one `LeaseSafety` refuses (no lease at all).
        var afterRefusedSet = false

        init(
            cache: EtcdLeaseCache, set: LeaseSet, report: @escaping @Sendable (LeaseSourceEvent) -> Void,
            monitor: (any LeaseSourceMonitor)? = nil
        ) {
            self.cache = cache
            self.set = set
            self.report = report
            self.monitor = monitor
            afterRefusedSet = LeaseSafety.refusal(of: set, previous: nil) != nil
        }

        /// Takes one watch message; false when it calls for a fresh list.
        mutating func handle(_ message: WatchMessage) -> Bool {
            switch message {
            case .quiet: true
            case .relist: false
            case .events(let events, let revision): apply(events, revision: revision)
            }
        }

        /// Applies one message's events; false when they call for a fresh list.
        mutating func apply(_ events: [EtcdLeaseCache.Event], revision: Int64?) -> Bool {
            let outcome = cache.apply(events)
            if let revision { set.revision = max(set.revision ?? revision, revision) }
            if let monitor {
                for event in events {
                    monitor.event(event.kind == .put ? .put : .delete, relevant: outcome != .unchanged)
                }
                if outcome != .unchanged { monitor.cached(cache.leases.count + cache.rejected.count) }
            }
            switch outcome {
            case .unchanged:
                return true
            case .update(let delta):
                set.leases = cache.leases
                // A delta is relative to the set reported before it; after a set the agent
                // refused (an emptied prefix), the agent's set is older than that, so the
                // change is reported whole.
                if afterRefusedSet {
                    set.rejected = cache.rejected
                    report(.leases(set))
                } else {
                    report(.update(set, delta))
                }
                afterRefusedSet = LeaseSafety.refusal(of: set, previous: nil) != nil
                return true
            case .leases:
                set.leases = cache.leases
                set.rejected = cache.rejected
                report(.leases(set))
                afterRefusedSet = LeaseSafety.refusal(of: set, previous: nil) != nil
                return true
            case .relist:
                return false
            }
        }
    }

    /// Reads one watch stream. With a follower, applies every event batch and returns only
    /// when a message or an event calls for a list (compaction, cancel, an event the cache
    /// cannot follow); without one (the config key), returns at the first event batch, a
    /// compaction or a cancel. Throws when it breaks.
    private func stream(_ body: [UInt8], _ endpoint: EtcdEndpoint, where_: String, following: Follower?) async throws {
        var follower = following
        var request = HTTPClientRequest(url: baseURL(endpoint) + "/v3/watch")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: requestTimeout)
        guard response.status == .ok else {
            throw LeaseSourceError(.unreachable, source: where_, "HTTP \(response.status.code)")
        }
        /// True when the stream goes on. The config stream (no follower) ends at any news.
        func handle(_ line: [UInt8]) throws(LeaseSourceError) -> Bool {
            let message = try Self.watchMessage(line, source: where_)
            guard follower != nil else { return message == .quiet }
            return follower?.handle(message) ?? false
        }
        var lines = WatchLines(maxLine: maxWatchLine)
        for try await chunk in response.body {
            guard lines.append(chunk.readableBytesView) else {
                throw LeaseSourceError(
                    .invalid, source: where_,
                    "a watch message over \(maxWatchLine) bytes without a newline; dropped the stream to list again")
            }
            while let line = lines.next() {
                if try !handle(line) { return }
            }
        }
        let pending = lines.rest
        if !pending.isEmpty, try !handle(pending) { return }
        throw LeaseSourceError(.unreachable, source: where_, "the watch stream ended")
    }
}

/// The endpoint in use, shared by `read` and `follow`; also a count (of lists).
private final class LockedIndex: @unchecked Sendable {
    private let lock = NSLock()
    private var index = 0

    var value: Int {
        lock.lock(); defer { lock.unlock() }
        return index
    }

    func advance() {
        lock.lock(); defer { lock.unlock() }
        index &+= 1
    }
}
