/// The API server's address: a kubeconfig's `server`, `--kube-api-url`, or the in-cluster
/// `https://KUBERNETES_SERVICE_HOST:KUBERNETES_SERVICE_PORT`.
public struct KubeServer: Sendable, Hashable, CustomStringConvertible {
    public enum Scheme: String, Sendable, Hashable {
        case https
        case http
    }

    public var scheme: Scheme
    /// A DNS name, an IPv4 address, or an IPv6 address without its brackets.
    public var host: String
    public var port: Int
    /// A path the API is served under (`/k8s/clusters/c-abc` behind Rancher), without its
    /// trailing slash; empty for most clusters.
    public var basePath: String

    public init(scheme: Scheme, host: String, port: Int, basePath: String = "") {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.basePath = basePath
    }

    /// `host:port`, an IPv6 host bracketed (Go's `net.JoinHostPort`).
    public var authority: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// `https://[fd00::1]:6443/base`.
    public var description: String { "\(scheme.rawValue)://\(authority)\(basePath)" }

    /// The URL of an API path: `url("/api/v1/nodes")`.
    public func url(_ path: String) -> String { description + path }

    /// Parses a server URL as client-go takes it (`rest.DefaultServerURL`): a URL with the
    /// scheme `https` or `http`, a host, an optional port (443 or 80 by default) and an optional
    /// base path. Without a scheme (`10.0.0.1:6443`), `https` when the configuration carries TLS
    /// material (a CA or a client certificate), else `http`, as client-go decides.
    ///
    /// User information, a query and a fragment are refused: client-go ignores or mangles them,
    /// and none belongs in an API server's address. The error is the reason alone; the caller
    /// says where the URL came from.
    static func parse(_ text: String, defaultTLS: Bool) -> Result<KubeServer, ServerURLError> {
        var rest = Substring(text)
        let scheme: Scheme
        if let separator = rest.range(of: "://") {
            let name = rest[..<separator.lowerBound].lowercased()
            guard let known = Scheme(rawValue: name) else {
                return .failure(ServerURLError("\(text.debugDescription): the scheme \(name.debugDescription) is not https or http"))
            }
            scheme = known
            rest = rest[separator.upperBound...]
        } else {
            scheme = defaultTLS ? .https : .http
        }
        if rest.contains("?") || rest.contains("#") {
            return .failure(ServerURLError("\(text.debugDescription): a server URL has no query or fragment"))
        }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        var path = String(rest[slash...])
        while path.hasSuffix("/") { path.removeLast() }
        if authority.contains("@") {
            return .failure(ServerURLError("\(text.debugDescription): credentials go in the user entry, not in the server URL"))
        }
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                return .failure(ServerURLError("\(text.debugDescription): an IPv6 host lacks its closing bracket"))
            }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.first == ":" else {
                    return .failure(ServerURLError("\(text.debugDescription): expected :PORT after the IPv6 host"))
                }
                portText = after.dropFirst()
            }
            guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }), host.contains(":") else {
                return .failure(ServerURLError("\(text.debugDescription): \(String(host).debugDescription) is not an IPv6 address"))
            }
        } else {
            if let colon = authority.lastIndex(of: ":") {
                host = authority[..<colon]
                portText = authority[authority.index(after: colon)...]
            } else {
                host = authority
            }
            let allowed = { (c: Character) in c.isASCII && (c.isLetter || c.isNumber || c == "-" || c == "." || c == "_") }
            guard !host.isEmpty, host.allSatisfy(allowed) else {
                return .failure(ServerURLError(
                    host.isEmpty ? "\(text.debugDescription): no host" : "\(text.debugDescription): \(String(host).debugDescription) is not a host name or address"
                ))
            }
        }
        var port = scheme == .https ? 443 : 80
        if let portText {
            guard portText.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(portText), (1...65535).contains(number) else {
                return .failure(ServerURLError("\(text.debugDescription): the port \(String(portText).debugDescription) is not from 1 to 65535"))
            }
            port = number
        }
        return .success(KubeServer(scheme: scheme, host: String(host), port: port, basePath: path))
    }
}

/// Why a server URL was refused, without where it came from.
struct ServerURLError: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}
