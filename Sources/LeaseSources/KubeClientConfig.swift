import NIOSSL

/// How the Kubernetes lease source reaches the API server, chosen from flanneld's own flags as
/// flanneld chooses (`clientcmd.BuildConfigFromFlags(apiURL, kubeconfig)`):
///
/// - `--kubeconfig-file FILE`: the file's current context (`KubeConfigFile`); `--kube-api-url`,
///   when given too, replaces only its cluster's `server` (the CA and the user stay).
/// - `--kube-api-url URL` alone: that server, no credentials, the system's CA roots for https
///   (client-go's config from a master URL and no kubeconfig).
/// - neither: the pod's in-cluster configuration (`KubeInCluster`).
///
/// Everything is read and checked here, at start: files that do not exist, YAML that does not
/// parse, a CA that is not PEM, a token file that is empty, a configuration this client would
/// run differently from client-go (`exec`, `auth-provider`, …) or less safely
/// (`insecure-skip-tls-verify`, a token over plain http) are refused with the file and field.
public struct KubeClientConfig: Sendable {
    public var server: KubeServer
    /// The TLS material for an https server; nil for http (which then carries no credentials).
    public var tls: KubeTLS?
    /// What authenticates a request besides a client certificate (which is in `tls`).
    public var credentials: KubeCredentials
    /// Where this came from, for logs and messages: `kubeconfig /etc/kubernetes/flannel.conf
    /// (context flannel@kubernetes)`, `in-cluster (KUBERNETES_SERVICE_HOST=10.96.0.1, …)`.
    public var source: String

    public static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    public init(server: KubeServer, tls: KubeTLS?, credentials: KubeCredentials, source: String) {
        self.server = server
        self.tls = tls
        self.credentials = credentials
        self.source = source
    }

    /// The configuration flanneld would build from the same flags and environment (`nil` or
    /// empty for a flag not given). See the type's documentation.
    public static func load(
        kubeconfigFile: String?, apiURL: String?, environment: [String: String],
        serviceAccountDirectory: String = Self.serviceAccountDirectory
    ) throws(LeaseSourceError) -> KubeClientConfig {
        let kubeconfigFile = kubeconfigFile.flatMap { $0.isEmpty ? nil : $0 }
        let apiURL = apiURL.flatMap { $0.isEmpty ? nil : $0 }
        if let kubeconfigFile {
            return try KubeConfigFile.load(kubeconfigFile, serverOverride: apiURL)
        }
        if let apiURL {
            let source = "--kube-api-url \(apiURL)"
            let server: KubeServer
            switch KubeServer.parse(apiURL, defaultTLS: false) {
            case .success(let parsed): server = parsed
            case .failure(let error): throw LeaseSourceError(.invalidSpec, source: "--kube-api-url", error.reason)
            }
            return KubeClientConfig(
                server: server, tls: server.scheme == .https ? KubeTLS() : nil, credentials: .none,
                source: "\(source) (no kubeconfig: no credentials)"
            )
        }
        return try KubeInCluster.load(environment: environment, serviceAccountDirectory: serviceAccountDirectory)
    }

    /// The TLS configuration of an https server (nil for http): the configured CA only when there
    /// is one, full verification, the client certificate when there is one.
    public func tlsConfiguration() -> TLSConfiguration? {
        server.scheme == .https ? (tls ?? KubeTLS()).configuration : nil
    }

    /// The token source of the requests, nil when they carry none.
    public func bearerToken() -> KubeBearerToken? {
        switch credentials {
        case .none: nil
        case .token(let token): KubeBearerToken(token: token, label: source)
        case .tokenFile(let path): KubeBearerToken(file: path, label: "\(source): token file \(path)")
        }
    }

    /// Refuses what would send credentials in clear or drop TLS material silently: an http
    /// server with a token, a client certificate or a CA (client-go would send the token in
    /// clear and ignore the rest). `serverOrigin` names where the server came from:
    /// `clusters[0].cluster.server`, `--kube-api-url`.
    static func checkTransport(
        _ server: KubeServer, tls: KubeTLS, credentials: KubeCredentials, serverOrigin: String, source: String
    ) throws(LeaseSourceError) {
        guard server.scheme == .http else { return }
        let carried: String? =
            if credentials != .none { "a bearer token, which would cross the network in clear" }
            else if tls.clientCertificate != nil { "a client certificate, which plain http cannot present" }
            else if tls.certificateAuthorities != nil { "a CA, which plain http cannot verify the server with" }
            else { nil }
        if let carried {
            throw LeaseSourceError(
                .invalidSpec, source: source,
                "\(serverOrigin) \(server) is plain http but the configuration carries \(carried); use the API server's https URL"
            )
        }
    }

    /// Reads a token file once, at start, so a missing, empty or oversized file fails the start
    /// rather than the first request. `label` names it: `kubeconfig /x: users[0].user.tokenFile /y`.
    static func checkTokenFile(_ path: String, label: String) throws(LeaseSourceError) {
        do {
            _ = try KubeBearerToken(file: path, label: label).current()
        } catch {
            throw LeaseSourceError(.invalidSpec, source: error.source, error.message)
        }
    }

    /// Refuses a client certificate whose key is not its own, at start: NIOSSL would refuse it
    /// only at the first connection.
    static func checkKeyMatches(_ certificate: KubeClientCertificate, label: String, source: String) throws(LeaseSourceError) {
        do {
            _ = try NIOSSLContext(configuration: KubeTLS(clientCertificate: certificate).configuration)
        } catch {
            throw LeaseSourceError(.invalidSpec, source: source, "\(label): the private key does not go with the certificate (\(error))")
        }
    }
}

/// What a request carries to authenticate, besides a client certificate.
public enum KubeCredentials: Sendable, Equatable {
    case none
    /// A kubeconfig's inline `token`.
    case token(String)
    /// A file read again when it changes: the service account's token, a kubeconfig's `tokenFile`.
    case tokenFile(String)
}
