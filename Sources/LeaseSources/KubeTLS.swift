import NIOSSL

/// The TLS side of an API server connection, loaded and checked when the configuration is: the
/// CA certificates the server's chain must lead to, and the client certificate presented, if any.
public struct KubeTLS: Sendable {
    /// The CA certificates (a kubeconfig's `certificate-authority[-data]`, the service account's
    /// `ca.crt`); nil when the configuration names none, and then the system's roots verify the
    /// server, as client-go does. Never "no verification".
    public var certificateAuthorities: [NIOSSLCertificate]?
    public var clientCertificate: KubeClientCertificate?

    public init(certificateAuthorities: [NIOSSLCertificate]? = nil, clientCertificate: KubeClientCertificate? = nil) {
        self.certificateAuthorities = certificateAuthorities
        self.clientCertificate = clientCertificate
    }

    /// Full verification (chain and host name, which AsyncHTTPClient checks against the
    /// server's host) against `certificateAuthorities` only when given; TLS 1.2 at least.
    public var configuration: TLSConfiguration {
        TLSMaterial.clientConfiguration(
            trustRoots: certificateAuthorities, certificateChain: clientCertificate?.chain, privateKey: clientCertificate?.key
        )
    }
}

/// A client certificate (leaf first, then any intermediates) and its private key.
public struct KubeClientCertificate: Sendable {
    public var chain: [NIOSSLCertificate]
    public var key: NIOSSLPrivateKey

    public init(chain: [NIOSSLCertificate], key: NIOSSLPrivateKey) {
        self.chain = chain
        self.key = key
    }
}
