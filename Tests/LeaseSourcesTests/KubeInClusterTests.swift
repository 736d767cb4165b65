import Foundation
@testable import LeaseSources
import NIOSSL
import Testing

/// A pod's configuration from its environment and service-account directory, as
/// client-go's `rest.InClusterConfig`.
@Suite struct KubeInClusterTests {
    static func serviceAccount(_ scratch: KubeScratch, token: String = "sa-token\n") throws -> String {
        try scratch.write("serviceaccount/ca.crt", KubePKI.caCertificate)
        try scratch.write("serviceaccount/token", token)
        try scratch.write("serviceaccount/namespace", "kube-flannel")
        return scratch.directory + "/serviceaccount"
    }

    static func load(_ environment: [String: String], _ directory: String) throws -> KubeClientConfig {
        try KubeClientConfig.load(kubeconfigFile: nil, apiURL: nil, environment: environment, serviceAccountDirectory: directory)
    }

    @Test func ipv4Service() throws {
        let scratch = try KubeScratch()
        let directory = try Self.serviceAccount(scratch)
        let config = try Self.load(["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"], directory)
        #expect(config.server.description == "https://10.96.0.1:443")
        #expect(config.credentials == .tokenFile(directory + "/token"))
        #expect(try config.bearerToken()?.current() == "sa-token")
        let tls = try #require(config.tlsConfiguration())
        #expect(tls.certificateVerification == .fullVerification)
        guard case .certificates(let roots)? = tls.trustRoots else {
            Issue.record("expected the service account's CA as the only trust root")
            return
        }
        #expect(roots == (try NIOSSLCertificate.fromPEMBytes(Array(KubePKI.caCertificate.utf8))))
        #expect(config.source == "in-cluster (KUBERNETES_SERVICE_HOST=10.96.0.1, KUBERNETES_SERVICE_PORT=443, service account \(directory))")
    }

    @Test func ipv6ServiceHostIsBracketed() throws {
        let scratch = try KubeScratch()
        let directory = try Self.serviceAccount(scratch)
        let config = try Self.load(["KUBERNETES_SERVICE_HOST": "fd00:10:96::1", "KUBERNETES_SERVICE_PORT": "6443"], directory)
        #expect(config.server == KubeServer(scheme: .https, host: "fd00:10:96::1", port: 6443))
        #expect(config.server.url("/api/v1/nodes") == "https://[fd00:10:96::1]:6443/api/v1/nodes")
    }

    @Test func theServiceAccountTokenIsReadAgainWhenKubeletRotatesIt() throws {
        let scratch = try KubeScratch()
        let directory = try Self.serviceAccount(scratch)
        let config = try Self.load(["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"], directory)
        let token = try #require(config.bearerToken())
        #expect(try token.current() == "sa-token")
        // kubelet writes the new projection beside the old one and renames it over.
        try scratch.write("serviceaccount/..new-token", "rotated-token\n")
        #expect(rename(directory + "/..new-token", directory + "/token") == 0)
        #expect(try token.current() == "rotated-token")
    }

    @Test func missingEnvironmentSaysWhatIsMissing() throws {
        let scratch = try KubeScratch()
        let directory = try Self.serviceAccount(scratch)
        #expect(throws: LeaseSourceError(
            .invalidSpec, source: "in-cluster configuration",
            "KUBERNETES_SERVICE_HOST is not set: not running in a pod? Give --kubeconfig-file (and --kube-api-url to override its server) outside a cluster"
        )) { try Self.load(["KUBERNETES_SERVICE_PORT": "443"], directory) }
        #expect(throws: LeaseSourceError(
            .invalidSpec, source: "in-cluster configuration",
            "KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set: not running in a pod? Give --kubeconfig-file (and --kube-api-url to override its server) outside a cluster"
        )) { try Self.load([:], directory) }
        #expect(throws: LeaseSourceError(
            .invalidSpec, source: "in-cluster configuration", "KUBERNETES_SERVICE_PORT=\"https\" is not a port from 1 to 65535"
        )) { try Self.load(["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "https"], directory) }
    }

    @Test func serviceAccountFilesThatCannotBeUsed() throws {
        let environment = ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"]
        let scratch = try KubeScratch()
        let directory = try Self.serviceAccount(scratch, token: "\n")
        let source = "in-cluster (KUBERNETES_SERVICE_HOST=10.96.0.1, KUBERNETES_SERVICE_PORT=443, service account \(directory))"
        #expect(throws: LeaseSourceError(.invalidSpec, source: "\(source): token file \(directory)/token", "the token is empty")) {
            try Self.load(environment, directory)
        }
        try scratch.write("serviceaccount/ca.crt", "not a certificate\n")
        #expect {
            try Self.load(environment, directory)
        } throws: { error in
            (error as? LeaseSourceError)?.message.hasPrefix("service-account CA \(directory)/ca.crt: not PEM CA certificates (") == true
        }
        #expect(throws: LeaseSourceError(
            .invalidSpec, source: "in-cluster (KUBERNETES_SERVICE_HOST=10.96.0.1, KUBERNETES_SERVICE_PORT=443, service account /nonexistent)",
            "service-account CA /nonexistent/ca.crt: cannot read the file (ENOENT: no such file or directory)"
        )) { try Self.load(environment, "/nonexistent") }
    }

    @Test func kubeAPIURLAloneIsThatServerWithoutCredentials() throws {
        let https = try KubeClientConfig.load(kubeconfigFile: nil, apiURL: "https://kube.example:6443", environment: [:])
        #expect(https.server == KubeServer(scheme: .https, host: "kube.example", port: 6443))
        #expect(https.credentials == .none)
        // No CA named: the system's roots, still fully verified.
        #expect(https.tlsConfiguration()?.certificateVerification == .fullVerification)
        #expect(https.tlsConfiguration()?.trustRoots == nil || https.tlsConfiguration()?.trustRoots == .default)
        let http = try KubeClientConfig.load(kubeconfigFile: "", apiURL: "http://127.0.0.1:8080", environment: [:])
        #expect(http.server.scheme == .http)
        #expect(http.tlsConfiguration() == nil)
        #expect(throws: LeaseSourceError.self) {
            try KubeClientConfig.load(kubeconfigFile: nil, apiURL: "https://user:pw@a", environment: [:])
        }
    }
}
