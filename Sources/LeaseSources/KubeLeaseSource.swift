import AsyncHTTPClient
import Desired
import Foundation
import NIOCore
import NIOHTTPCompression
import NIOSSL

/// flannel's leases as its kube subnet manager keeps them: the cluster's nodes, read from the
/// Kubernetes API as a careful client does (client-go's reflector is the model).
///
/// It lists `/api/v1/nodes` in pages, then watches from the list's `resourceVersion` with
/// bookmarks and a server-side timeout, and keeps a node cache changed event by event
/// (`KubeNodeCache`): a heartbeat costs a comparison and nothing else; a change to a lease is
/// reported as a delta (`.update`), so the agent plans just that peer. A watch that ends
/// (timeout) resumes from the last version seen, bookmarks included; `410 Gone` (an `ERROR`
/// event, or a status) lists again; failures back off with jitter and are reported, and the
/// agent keeps the last good set meanwhile. A watch is never older than its timeout plus a
/// margin: a connection that died silently cannot leave the agent on a stale set.
///
/// `shutdown()` must be called before the source is released (AsyncHTTPClient's rule).
public final class KubeLeaseSource: LeaseSource {
    public let config: KubeClientConfig
    public let prefix: KubeAnnotationPrefix
    let monitor: (any LeaseSourceMonitor)?
    let token: KubeBearerToken?
    let client: HTTPClient
    /// Nodes per list page. client-go asks for 500; a node of a real cluster is 5–20 KB with its
    /// images and managed fields, so 250 keeps a page's body a few MB under the agent's memory limit.
    let pageSize: Int
    /// The server-side watch timeout is drawn from this range (client-go: 5 to 10 minutes), so
    /// the watches of a whole cluster do not end together.
    let watchTimeout: ClosedRange<Int>
    let requestTimeout: TimeAmount
    let initialBackoff: Duration
    let maxBackoff: Duration
    /// The longest watch line kept while waiting for its newline: one node, which the API server
    /// caps at its 3 MB request limit (etcd's 1.5 MiB value, JSON-encoded). Longer is a broken
    /// or hostile server: the stream is dropped and listed again after the back-off.
    let maxWatchLine: Int

    /// The largest list page read. 250 nodes of 20 KB are 5 MB; a page ten times that is refused
    /// rather than risking the agent's memory limit.
    public static let maxListPage = 48 << 20
    /// A status body (a refusal) is read up to this much, for its message.
    static let maxStatusBody = 64 << 10
    /// The most nodes a list may hold: Kubernetes supports 5,000 nodes per cluster, and the
    /// largest known run 15,000; more is not a cluster.
    public static let maxNodes = 100_000

    public init(
        config: KubeClientConfig, prefix: KubeAnnotationPrefix, monitor: (any LeaseSourceMonitor)? = nil, pageSize: Int = 250,
        watchTimeout: ClosedRange<Int> = 300...599, requestTimeout: Duration = .seconds(10),
        initialBackoff: Duration = .milliseconds(250), maxBackoff: Duration = .seconds(10), maxWatchLine: Int = 4 << 20,
        eventLoopGroup: (any EventLoopGroup)? = nil
    ) {
        self.config = config
        self.prefix = prefix
        self.monitor = monitor
        token = config.bearerToken()
        self.pageSize = max(1, pageSize)
        self.watchTimeout = watchTimeout
        self.requestTimeout = .nanoseconds(
            Int64(requestTimeout.components.seconds) * 1_000_000_000 + requestTimeout.components.attoseconds / 1_000_000_000
        )
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.maxWatchLine = maxWatchLine
        var configuration = HTTPClient.Configuration(timeout: HTTPClient.Configuration.Timeout(connect: .seconds(5), read: nil))
        configuration.httpVersion = .http1Only
        configuration.tlsConfiguration = config.tlsConfiguration()
        configuration.redirectConfiguration = .disallow
        // kube-apiserver gzips answers over 128 KiB when asked: a list of 5,000 nodes is ~40 MB
        // of JSON, and every node of the cluster lists at start. The decompressed size is capped
        // as the body is.
        configuration.decompression = .enabled(limit: .size(Self.maxListPage))
        client = HTTPClient(eventLoopGroupProvider: eventLoopGroup.map { .shared($0) } ?? .singleton, configuration: configuration)
    }

    public func shutdown() async {
        try? await client.shutdown()
    }

    var nodesURL: String { config.server.url("/api/v1/nodes") }

    // MARK: - Reading

    public func read() async throws(LeaseSourceError) -> LeaseSet {
        let (cache, version) = try await list()
        return set(cache, version: version)
    }

    func set(_ cache: KubeNodeCache, version: String) -> LeaseSet {
        LeaseSet(leases: cache.leases, rejected: cache.rejected, source: nodesURL, revision: Int64(version))
    }

    /// Every page of `/api/v1/nodes`; all pages are read at the first one's `resourceVersion`.
    /// A continue token that expired (410) starts the list over, a few times at most.
    func list() async throws(LeaseSourceError) -> (KubeNodeCache, String) {
        var attempts = 0
        while true {
            attempts += 1
            var nodes: [KubeAPIReader.Node] = []
            var version: String?
            var token: String?
            var expired = false
            repeat {
                var url = "\(nodesURL)?limit=\(pageSize)"
                if let token { url += "&continue=\(Self.queryEscaped(token))" }
                let (status, body) = try await get(url, limit: Self.maxListPage)
                if status == 410 && token != nil {
                    expired = true
                    break
                }
                guard status == 200 else { throw refusal(status, body, url: nodesURL) }
                let page: KubeAPIReader.ListPage
                do {
                    page = try body.withUnsafeReadableBytes { bytes throws(InputError) in
                        try KubeAPIReader.listPage(bytes, source: nodesURL, prefix: prefix)
                    }
                } catch {
                    throw LeaseSourceError(.invalid, source: nodesURL, "\(error)")
                }
                nodes += page.nodes
                version = version ?? page.resourceVersion
                token = page.continueToken
                guard nodes.count <= Self.maxNodes else {
                    throw LeaseSourceError(.invalid, source: nodesURL, "the list holds over \(Self.maxNodes) nodes; not a cluster")
                }
            } while token != nil
            if expired {
                monitor?.restarted(.list, reason: .expired)
                if attempts < 3 { continue }
                throw LeaseSourceError(.unreachable, source: nodesURL, "the list's continue token expired three times in a row (410)")
            }
            guard let version else { throw LeaseSourceError(.invalid, source: nodesURL, "no page was read") }
            let cache = KubeNodeCache(nodes)
            monitor?.listed()
            monitor?.cached(cache.count)
            return (cache, version)
        }
    }

    /// One GET: the status and the body, read up to `limit` bytes.
    func get(_ url: String, limit: Int) async throws(LeaseSourceError) -> (UInt, ByteBuffer) {
        let request = try request(url)
        do {
            let response = try await client.execute(request, timeout: requestTimeout)
            let body: ByteBuffer
            do {
                body = try await response.body.collect(upTo: response.status.code == 200 ? limit : Self.maxStatusBody)
            } catch is NIOTooManyBytesError {
                throw LeaseSourceError(.invalid, source: url, "the answer is over the \(limit >> 20) MiB cap for a page of nodes")
            }
            return (response.status.code, body)
        } catch let error as LeaseSourceError {
            throw error
        } catch {
            throw LeaseSourceError(.unreachable, source: url, "\(error)")
        }
    }

    func request(_ url: String) throws(LeaseSourceError) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "Accept-Encoding", value: "gzip")
        request.headers.add(name: "User-Agent", value: "netplan-flannel")
        // Read for every request, so a rotated service-account token is used at once.
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(try token.current())") }
        return request
    }

    /// What a non-200 answer means, with the API's own words when the body is a `Status`.
    func refusal(_ status: UInt, _ body: ByteBuffer, url: String) -> LeaseSourceError {
        let parsed = body.withUnsafeReadableBytes { KubeAPIReader.status($0) }
        let words = parsed?.message ?? String(decoding: body.readableBytesView.prefix(200), as: UTF8.self)
        let hint: String = switch status {
        case 401: "; the token or client certificate was not accepted (\(config.source))"
        case 403: "; the account may not list and watch nodes (a ClusterRole with get, list, watch on nodes)"
        default: ""
        }
        // A server error or an overloaded server is an outage; anything else is this client's
        // configuration or a server that is not an API server.
        let kind: LeaseSourceError.Kind = status >= 500 || status == 429 ? .unreachable : .invalid
        return LeaseSourceError(kind, source: url, "HTTP \(status): \(words)\(hint)")
    }

    static func queryEscaped(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    // MARK: - Following

    /// How a watch ended.
    enum WatchEnd: Sendable {
        /// The server's timeout or our age limit: watch again from the last version.
        case timeout
        /// 410: the version is too old; list again.
        case expired
        case failed(LeaseSourceError)
        case cancelled
    }

    /// What a watch carries on from: the cache and the last version seen.
    struct WatchState: Sendable {
        var cache: KubeNodeCache
        var version: String
    }

    public func follow(_ report: @escaping @Sendable (LeaseSourceEvent) -> Void) async {
        var backoff = RetryBackoff(initial: initialBackoff, maximum: maxBackoff)
        var state: WatchState?
        var failing = false
        /// 410s with no watch that ran its course in between.
        var expiredInARow = 0
        while !Task.isCancelled {
            guard let current = state else {
                do {
                    let (cache, version) = try await list()
                    state = WatchState(cache: cache, version: version)
                    report(.leases(set(cache, version: version)))
                    failing = false
                    // A list between two 410s proves nothing: the back-off keeps growing then.
                    if expiredInARow == 0 { backoff.reset() }
                } catch {
                    if Task.isCancelled { return }
                    report(.failure(error))
                    monitor?.restarted(.list, reason: .error)
                    await backoff.sleep()
                }
                continue
            }
            let (next, end) = await watch(current, recovering: failing, report)
            state = next
            switch end {
            case .cancelled:
                return
            case .timeout:
                expiredInARow = 0
                monitor?.restarted(.watch, reason: .timeout)
                failing = false
                backoff.reset()
            case .expired:
                monitor?.restarted(.list, reason: .expired)
                state = nil
                // The first 410 lists again at once; a server that answers every watch from a
                // fresh list with 410 again would otherwise have the agent list in a loop.
                if expiredInARow > 0 { await backoff.sleep() }
                expiredInARow += 1
                continue
            case .failed(let error):
                if Task.isCancelled { return }
                report(.failure(error))
                monitor?.restarted(.watch, reason: .error)
                failing = true
                // A line that did not parse may have been a change: only a list is sure again.
                if error.kind == .invalid { state = nil }
                await backoff.sleep()
            }
        }
    }

    /// One watch from `state.version`, until it ends; returns the state it left and why it ended.
    func watch(
        _ state: WatchState, recovering: Bool, _ report: @escaping @Sendable (LeaseSourceEvent) -> Void
    ) async -> (WatchState, WatchEnd) {
        let timeout = Int.random(in: watchTimeout)
        let url = "\(nodesURL)?allowWatchBookmarks=true&resourceVersion=\(Self.queryEscaped(state.version))&timeoutSeconds=\(timeout)&watch=true"
        // The server ends the watch after `timeout`; our own limit a little later catches a
        // connection that died without a word.
        let ageLimit = Duration.seconds(timeout + 30)
        return await withTaskGroup(of: (WatchState, WatchEnd)?.self) { group in
            group.addTask { await self.stream(url, state, recovering: recovering, report) }
            group.addTask {
                try? await Task.sleep(for: ageLimit)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            if let first {
                return first
            }
            // The age limit: the stream, cancelled, hands back the state it reached.
            let stopped = await group.next() ?? nil
            if Task.isCancelled { return (stopped?.0 ?? state, .cancelled) }
            return (stopped?.0 ?? state, .timeout)
        }
    }

    /// Reads one watch stream, applying each event to the cache.
    private func stream(
        _ url: String, _ start: WatchState, recovering: Bool, _ report: @escaping @Sendable (LeaseSourceEvent) -> Void
    ) async -> (WatchState, WatchEnd) {
        var state = start
        let response: HTTPClientResponse
        do {
            response = try await client.execute(try request(url), timeout: requestTimeout)
        } catch let error as LeaseSourceError {
            return (state, .failed(error))
        } catch {
            return (state, Task.isCancelled ? .cancelled : .failed(LeaseSourceError(.unreachable, source: nodesURL, "watch: \(error)")))
        }
        guard response.status.code == 200 else {
            let body = (try? await response.body.collect(upTo: Self.maxStatusBody)) ?? ByteBuffer()
            if response.status.code == 410 { return (state, .expired) }
            return (state, .failed(refusal(response.status.code, body, url: nodesURL)))
        }
        // The stream is up again after a failure: the set held is the source's again.
        if recovering { report(.leases(set(state.cache, version: state.version))) }
        var lines = WatchLines(maxLine: maxWatchLine)
        do {
            for try await chunk in response.body {
                guard lines.append(chunk.readableBytesView) else {
                    return (state, .failed(LeaseSourceError(
                        .invalid, source: nodesURL,
                        "a watch line over \(maxWatchLine) bytes without a newline; dropped the stream to list again")))
                }
                while let ended = lines.nextLine({ take($0, &state, report) }) {
                    if let end = ended { return (state, end) }
                }
            }
        } catch {
            if Task.isCancelled { return (state, .cancelled) }
            return (state, .failed(LeaseSourceError(.unreachable, source: nodesURL, "the watch stream broke: \(error)")))
        }
        if lines.rest.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\r") }) {
            // Cut mid-line: that event was not applied, and the version has not moved past it.
            return (state, .failed(LeaseSourceError(.unreachable, source: nodesURL, "the watch stream ended in the middle of an event")))
        }
        return (state, .timeout)
    }

    /// Applies one watch line; returns how the watch ends when the line ends it.
    func take(
        _ line: UnsafeRawBufferPointer, _ state: inout WatchState, _ report: @Sendable (LeaseSourceEvent) -> Void
    ) -> WatchEnd? {
        if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }) { return nil }
        let event: KubeAPIReader.WatchEvent
        do {
            event = try KubeAPIReader.watchEvent(line, source: nodesURL, prefix: prefix)
        } catch {
            return .failed(LeaseSourceError(.invalid, source: nodesURL, "\(error)"))
        }
        let node: KubeAPIReader.Node
        let version: String?
        let type: LeaseSourceEventType
        let deleted: Bool
        switch event {
        case .bookmark(let resume):
            state.version = resume
            monitor?.event(.bookmark, relevant: false)
            return nil
        case .error(let status):
            monitor?.event(.error, relevant: false)
            if status.code == 410 { return .expired }
            return .failed(LeaseSourceError(.unreachable, source: nodesURL, "the watch failed: \(status)"))
        case .added(let announced, let resume):
            (node, version, type, deleted) = (announced, resume, .added, false)
        case .modified(let announced, let resume):
            (node, version, type, deleted) = (announced, resume, .modified, false)
        case .deleted(let announced, let resume):
            (node, version, type, deleted) = (announced, resume, .deleted, true)
        }
        if let version { state.version = version }
        let effect = state.cache.apply(node, deleted: deleted)
        monitor?.event(type, relevant: effect != .none)
        switch effect {
        case .none:
            return nil
        case .delta(let delta):
            monitor?.cached(state.cache.count)
            report(.update(set(state.cache, version: state.version), delta))
        case .whole:
            monitor?.cached(state.cache.count)
            report(.leases(set(state.cache, version: state.version)))
        }
        return nil
    }
}
