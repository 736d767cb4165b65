/// Where the agent reads leases from, as `--leases` names it.
public enum LeaseSourceSpec: Sendable, Equatable {
    /// A file, re-read when it changes.
    case file(path: String)
    /// etcd's v3 API: endpoints `host:port` tried in order (failover), and the key prefix
    /// (`/coreos.com/network` unless given).
    case etcd(endpoints: [EtcdEndpoint], prefix: String)
    /// The Kubernetes API's nodes (`--kube-subnet-mgr`), as flanneld's kube subnet manager.
    case kube

    public static let defaultEtcdPrefix = "/coreos.com/network"

    /// Parses `--leases`: `etcd://HOST:PORT[,HOST2:PORT…][/prefix]`, or anything else as a path.
    public static func parse(_ text: String) throws(LeaseSourceError) -> LeaseSourceSpec {
        let scheme = "etcd://"
        guard text.hasPrefix(scheme) else { return .file(path: text) }
        let rest = text.dropFirst(scheme.count)
        let slash = rest.firstIndex(of: "/")
        let hosts = slash.map { rest[..<$0] } ?? rest
        var prefix = slash.map { String(rest[$0...]) } ?? defaultEtcdPrefix
        while prefix.count > 1 && prefix.hasSuffix("/") { prefix.removeLast() }
        if prefix == "/" { prefix = defaultEtcdPrefix }
        let endpoints = try hosts.split(separator: ",", omittingEmptySubsequences: false).map {
            (part) throws(LeaseSourceError) in try EtcdEndpoint(String(part), in: text)
        }
        guard !endpoints.isEmpty else {
            throw LeaseSourceError(.invalidSpec, source: text, "no endpoint: expected etcd://HOST:PORT[,HOST:PORT…][/prefix]")
        }
        return .etcd(endpoints: endpoints, prefix: prefix)
    }
}

/// One etcd client URL's host and port.
public struct EtcdEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    init(_ text: String, in spec: String) throws(LeaseSourceError) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (1...65535).contains(port), colon != text.startIndex else {
            throw LeaseSourceError(.invalidSpec, source: spec, "endpoint \"\(text)\" is not HOST:PORT")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.init(host: host, port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
