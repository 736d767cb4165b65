/// flanneld's `--etcd-cafile`, `--etcd-certfile`, `--etcd-keyfile`: PEM files for a TLS
/// connection to etcd, with a client certificate when both cert and key are given.
public struct EtcdTLSFiles: Sendable, Equatable {
    public var caFile: String?
    public var certFile: String?
    public var keyFile: String?

    public init(caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil) {
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
    }

    /// Any file given means TLS (`https`); none means plain `http`, as flanneld decides.
    public var isEnabled: Bool { caFile != nil || certFile != nil || keyFile != nil }
}
