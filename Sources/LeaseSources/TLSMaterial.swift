import InputFiles
import NIOSSL

/// PEM certificates and private keys for the TLS clients of the lease sources (etcd's
/// `--etcd-cafile`/`--etcd-certfile`/`--etcd-keyfile`, a kubeconfig's certificate fields, the
/// service account's `ca.crt`), read from a file under `InputFileLimit.tlsFiles` or taken from
/// bytes already in hand (a kubeconfig's `…-data`).
///
/// Every refusal names where the material came from, `label` (`--etcd-cafile /etc/etcd/ca.pem`,
/// `users[0].user.client-key-data`): NIOSSL's own errors (`failedToLoadCertificate`) say neither
/// the flag nor the file, and an agent that will not start must say which one is wrong.
enum TLSMaterial {
    /// The file's bytes: `--etcd-cafile /x: cannot read the file (ENOENT: no such file or directory)`.
    static func read(_ path: String, label: String, source: String) throws(LeaseSourceError) -> [UInt8] {
        do {
            return try InputFile.read(path, limit: .tlsFiles)
        } catch {
            throw LeaseSourceError(.invalidSpec, source: source, "\(label): cannot read the file (\(error.message))")
        }
    }

    /// Every certificate of a PEM text, in order (a CA bundle, or a leaf and its intermediates);
    /// none is refused. `what` says what was expected: `a PEM CA certificate`.
    static func certificates(
        _ pem: [UInt8], label: String, what: String, source: String
    ) throws(LeaseSourceError) -> [NIOSSLCertificate] {
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMBytes(pem)
        } catch {
            throw LeaseSourceError(.invalidSpec, source: source, "\(label): not \(what) (\(error))")
        }
        guard !certificates.isEmpty else {
            throw LeaseSourceError(.invalidSpec, source: source, "\(label): not \(what) (no certificate in it)")
        }
        return certificates
    }

    /// A PEM private key (PKCS#1, PKCS#8 or SEC1).
    static func privateKey(_ pem: [UInt8], label: String, source: String) throws(LeaseSourceError) -> NIOSSLPrivateKey {
        do {
            return try NIOSSLPrivateKey(bytes: pem, format: .pem)
        } catch {
            throw LeaseSourceError(.invalidSpec, source: source, "\(label): not a PEM private key (\(error))")
        }
    }

    /// A client configuration that verifies the server fully (chain and host name): against
    /// `trustRoots` when given, else the system's roots. TLS 1.2 at least, as kube-apiserver and
    /// etcd require.
    static func clientConfiguration(
        trustRoots: [NIOSSLCertificate]?, certificateChain: [NIOSSLCertificate]?, privateKey: NIOSSLPrivateKey?
    ) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .fullVerification
        configuration.minimumTLSVersion = .tlsv12
        if let trustRoots { configuration.trustRoots = .certificates(trustRoots) }
        if let certificateChain, let privateKey {
            configuration.certificateChain = certificateChain.map { .certificate($0) }
            configuration.privateKey = .privateKey(privateKey)
        }
        return configuration
    }
}
