/// The configuration of a pod, as client-go's `rest.InClusterConfig` builds it: the API server
/// at `https://KUBERNETES_SERVICE_HOST:KUBERNETES_SERVICE_PORT` (an IPv6 host bracketed, as
/// `net.JoinHostPort` does), the service account's token (re-read when kubelet rotates it) and
/// its `ca.crt`.
///
/// One difference, on the safe side: client-go logs a `ca.crt` it cannot load and goes on with
/// the system's roots; here it is refused, since kubelet always mounts it and the cluster's CA is
/// the one that signed the API server's certificate.
public enum KubeInCluster {
    public static func load(environment: [String: String], serviceAccountDirectory: String) throws(LeaseSourceError) -> KubeClientConfig {
        let host = environment["KUBERNETES_SERVICE_HOST"] ?? ""
        let portText = environment["KUBERNETES_SERVICE_PORT"] ?? ""
        guard !host.isEmpty, !portText.isEmpty else {
            let missing = [host.isEmpty ? "KUBERNETES_SERVICE_HOST" : nil, portText.isEmpty ? "KUBERNETES_SERVICE_PORT" : nil]
                .compactMap { $0 }.joined(separator: " and ")
            throw LeaseSourceError(
                .invalidSpec, source: "in-cluster configuration",
                "\(missing) \(missing.contains(" and ") ? "are" : "is") not set: not running in a pod? "
                    + "Give --kubeconfig-file (and --kube-api-url to override its server) outside a cluster"
            )
        }
        guard portText.allSatisfy({ $0.isASCII && $0.isNumber }), let port = Int(portText), (1...65535).contains(port) else {
            throw LeaseSourceError(
                .invalidSpec, source: "in-cluster configuration",
                "KUBERNETES_SERVICE_PORT=\(portText.debugDescription) is not a port from 1 to 65535"
            )
        }
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        let server: KubeServer
        switch KubeServer.parse("https://\(KubeServer(scheme: .https, host: bare, port: port).authority)", defaultTLS: true) {
        case .success(let parsed): server = parsed
        case .failure: throw LeaseSourceError(
            .invalidSpec, source: "in-cluster configuration",
            "KUBERNETES_SERVICE_HOST=\(host.debugDescription) is not a host name or address"
        )
        }
        let directory = serviceAccountDirectory.hasSuffix("/") ? String(serviceAccountDirectory.dropLast()) : serviceAccountDirectory
        let source = "in-cluster (KUBERNETES_SERVICE_HOST=\(host), KUBERNETES_SERVICE_PORT=\(portText), service account \(directory))"
        let caPath = directory + "/ca.crt"
        let ca = try TLSMaterial.certificates(
            TLSMaterial.read(caPath, label: "service-account CA \(caPath)", source: source),
            label: "service-account CA \(caPath)", what: "PEM CA certificates", source: source
        )
        let tokenPath = directory + "/token"
        try KubeClientConfig.checkTokenFile(tokenPath, label: "\(source): token file \(tokenPath)")
        return KubeClientConfig(
            server: server, tls: KubeTLS(certificateAuthorities: ca), credentials: .tokenFile(tokenPath), source: source
        )
    }
}
