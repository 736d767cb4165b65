import NIOCore
import NIOHTTP1
import NIOPosix

/// A minimal HTTP/1.1 server for `/metrics` (Prometheus text) and `/healthz`, on SwiftNIO,
/// which AsyncHTTPClient already brings in. Read-only: every other path is 404, every other
/// method 405.
public final class MetricsServer: Sendable {
    private let channel: any Channel
    /// The address actually bound (port 0 picks a free one).
    public let localAddress: String

    /// What `/healthz` answers: 200 with the body when healthy (degraded included), else 503.
    public typealias Health = @Sendable () -> HealthReport

    /// Binds `host:port` and starts serving.
    public static func start(host: String, port: Int, metrics: ReconcileMetrics, health: @escaping Health) async throws -> MetricsServer {
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMap {
                    channel.pipeline.addHandler(MetricsHandler(metrics: metrics, health: health))
                }
            }
        let channel = try await bootstrap.bind(host: host, port: port).get()
        let bound = channel.localAddress.map { address in
            "\(address.ipAddress ?? host):\(address.port ?? port)"
        } ?? "\(host):\(port)"
        return MetricsServer(channel: channel, localAddress: bound)
    }

    private init(channel: any Channel, localAddress: String) {
        self.channel = channel
        self.localAddress = localAddress
    }

    public func stop() async {
        try? await channel.close()
    }
}

/// Answers one request per head; keeps the connection open when the client asks.
private final class MetricsHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let metrics: ReconcileMetrics
    private let health: MetricsServer.Health
    private var head: HTTPRequestHead?

    init(metrics: ReconcileMetrics, health: @escaping MetricsServer.Health) {
        self.metrics = metrics
        self.health = health
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let request): head = request
        case .body: break
        case .end:
            guard let request = head else { return }
            head = nil
            respond(to: request, context: context)
        }
    }

    private func respond(to request: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = request.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.uri
        let status: HTTPResponseStatus
        let contentType: String
        var body: [UInt8]
        if request.method != .GET && request.method != .HEAD {
            (status, contentType, body) = (.methodNotAllowed, "text/plain", Array("GET only\n".utf8))
        } else if path == "/metrics" {
            (status, contentType, body) = (.ok, "text/plain; version=0.0.4; charset=utf-8", metrics.render())
        } else if path == "/healthz" {
            let report = health()
            (status, contentType, body) = (report.healthy ? .ok : .serviceUnavailable, "text/plain; charset=utf-8", Array(report.body.utf8))
        } else {
            (status, contentType, body) = (.notFound, "text/plain", Array("not found: try /metrics or /healthz\n".utf8))
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: "\(body.count)")
        let keepAlive = request.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        if request.method == .HEAD { body = [] }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
