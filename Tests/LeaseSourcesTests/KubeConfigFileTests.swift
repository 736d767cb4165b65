import Foundation
@testable import LeaseSources
import NIOSSL
import Testing

/// kubeconfigs shaped as kubeadm, kubectl and operators write them, read as client-go reads them.
@Suite struct KubeConfigFileTests {
    /// kubeadm's admin.conf: the CA and the client certificate and key inline, one context.
    static func adminConf(server: String = "https://192.168.0.10:6443", user: String? = nil) -> String {
        """
        apiVersion: v1
        clusters:
        - cluster:
            certificate-authority-data: \(KubePKI.base64(KubePKI.caCertificate))
            server: \(server)
          name: kubernetes
        contexts:
        - context:
            cluster: kubernetes
            user: kubernetes-admin
          name: kubernetes-admin@kubernetes
        current-context: kubernetes-admin@kubernetes
        kind: Config
        preferences: {}
        users:
        - name: kubernetes-admin
          user:
        \(user ?? """
            client-certificate-data: \(KubePKI.base64(KubePKI.clientCertificate))
            client-key-data: \(KubePKI.base64(KubePKI.clientKey))
        """)
        """
    }

    /// A kubeconfig with one cluster (CA inline) and the given user fields, indented under `user:`.
    static func withUser(_ fields: String, server: String = "https://10.0.0.1:6443", cluster: String? = nil) -> String {
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: prod
          cluster:
        \(cluster ?? """
            server: \(server)
            certificate-authority-data: \(KubePKI.base64(KubePKI.caCertificate))
        """)
        contexts:
        - name: flannel@prod
          context:
            cluster: prod
            user: flannel
        current-context: flannel@prod
        users:
        - name: flannel
          user:
        \(fields)
        """
    }

    static func load(_ scratch: KubeScratch, _ text: String, apiURL: String? = nil) throws -> KubeClientConfig {
        let path = try scratch.write("kubeconfig", text)
        return try KubeClientConfig.load(kubeconfigFile: path, apiURL: apiURL, environment: [:])
    }

    /// The refusal's text, with the scratch directory written as `$DIR`.
    static func refusal(_ scratch: KubeScratch, _ text: String, apiURL: String? = nil) -> String? {
        do {
            _ = try load(scratch, text, apiURL: apiURL)
            return nil
        } catch let error as LeaseSourceError {
            #expect(error.kind == .invalidSpec)
            return error.description.replacingOccurrences(of: scratch.directory, with: "$DIR")
        } catch {
            return "unexpected \(error)"
        }
    }

    static func trustRoots(_ configuration: TLSConfiguration?) -> [NIOSSLCertificate]? {
        guard case .certificates(let certificates)? = configuration?.trustRoots else { return nil }
        return certificates
    }

    @Test func kubeadmAdminConf() throws {
        let scratch = try KubeScratch()
        let config = try Self.load(scratch, Self.adminConf())
        #expect(config.server == KubeServer(scheme: .https, host: "192.168.0.10", port: 6443))
        #expect(config.credentials == .none)
        #expect(config.source == "kubeconfig \(scratch.directory)/kubeconfig (context kubernetes-admin@kubernetes)")
        let tls = try #require(config.tlsConfiguration())
        #expect(tls.certificateVerification == .fullVerification)
        #expect(Self.trustRoots(tls) == (try NIOSSLCertificate.fromPEMBytes(Array(KubePKI.caCertificate.utf8))))
        #expect(tls.certificateChain.count == 1)
        #expect(tls.privateKey != nil)
        #expect(tls.minimumTLSVersion == .tlsv12)
        #expect(config.bearerToken() == nil)
    }

    @Test func aTokenUser() throws {
        let scratch = try KubeScratch()
        let config = try Self.load(scratch, Self.withUser("    token: eyJhbGciOiJSUzI1NiJ9.e30.c2ln"))
        #expect(config.credentials == .token("eyJhbGciOiJSUzI1NiJ9.e30.c2ln"))
        #expect(try config.bearerToken()?.current() == "eyJhbGciOiJSUzI1NiJ9.e30.c2ln")
        #expect(config.tlsConfiguration()?.certificateChain.isEmpty == true)
    }

    @Test func aTokenFileRelativeToTheKubeconfigIsReadAgainWhenItChanges() throws {
        let scratch = try KubeScratch()
        try scratch.write("secrets/token", "first-token\n")
        let config = try Self.load(scratch, Self.withUser("    tokenFile: secrets/token"))
        #expect(config.credentials == .tokenFile("\(scratch.directory)/secrets/token"))
        let token = try #require(config.bearerToken())
        #expect(try token.current() == "first-token")
        try scratch.write("secrets/token", "second-token-longer\n")
        #expect(try token.current() == "second-token-longer")
    }

    @Test func tokenFileIsUsedOverAnInlineToken() throws {
        let scratch = try KubeScratch()
        try scratch.write("token", "from-file")
        let config = try Self.load(scratch, Self.withUser("    token: inline\n    tokenFile: token"))
        #expect(try config.bearerToken()?.current() == "from-file")
    }

    @Test func relativeCertificatePathsAreRelativeToTheKubeconfigsDirectory() throws {
        let scratch = try KubeScratch()
        try scratch.write("pki/ca.crt", KubePKI.caCertificate)
        try scratch.write("pki/flannel.crt", KubePKI.clientCertificate)
        try scratch.write("pki/flannel.key", KubePKI.clientKey)
        let text = Self.withUser(
            "    client-certificate: pki/flannel.crt\n    client-key: \(scratch.directory)/pki/flannel.key",
            cluster: "    server: https://kube.example:6443\n    certificate-authority: pki/ca.crt"
        )
        let config = try Self.load(scratch, text)
        #expect(config.server == KubeServer(scheme: .https, host: "kube.example", port: 6443))
        let tls = try #require(config.tlsConfiguration())
        #expect(Self.trustRoots(tls)?.count == 1)
        #expect(tls.certificateChain.count == 1)
    }

    @Test func currentContextPicksTheSecondOfTwoContexts() throws {
        let scratch = try KubeScratch()
        try scratch.write("dev-token", "dev-token-value")
        let text = """
            apiVersion: v1
            kind: Config
            current-context: dev
            clusters:
            - name: prod
              cluster:
                server: https://prod.example:6443
                certificate-authority-data: \(KubePKI.base64(KubePKI.caCertificate))
            - name: dev
              cluster:
                server: https://[fd00::10]:8443/k8s/clusters/c-abc/
                certificate-authority-data: \(KubePKI.base64(KubePKI.caCertificate))
            contexts:
            - name: prod
              context: {cluster: prod, user: admin}
            - name: dev
              context: {cluster: dev, user: dev-user, namespace: kube-flannel}
            users:
            - name: admin
              user: {token: prod-token}
            - name: dev-user
              user: {tokenFile: dev-token}
            """
        let config = try Self.load(scratch, text)
        #expect(config.server == KubeServer(scheme: .https, host: "fd00::10", port: 8443, basePath: "/k8s/clusters/c-abc"))
        #expect(config.server.url("/api/v1/nodes") == "https://[fd00::10]:8443/k8s/clusters/c-abc/api/v1/nodes")
        #expect(try config.bearerToken()?.current() == "dev-token-value")
        #expect(config.source.hasSuffix("(context dev)"))
    }

    @Test func kubeAPIURLOverridesOnlyTheServer() throws {
        let scratch = try KubeScratch()
        let config = try Self.load(scratch, Self.adminConf(), apiURL: "https://10.96.0.1")
        #expect(config.server == KubeServer(scheme: .https, host: "10.96.0.1", port: 443))
        #expect(Self.trustRoots(config.tlsConfiguration())?.count == 1)
        #expect(config.tlsConfiguration()?.certificateChain.count == 1)
        #expect(config.source.hasSuffix("(context kubernetes-admin@kubernetes, server from --kube-api-url)"))
    }

    @Test func aServerWithoutSchemeIsHTTPSWhenTheClusterHasTLSMaterial() throws {
        let scratch = try KubeScratch()
        let config = try Self.load(scratch, Self.adminConf(server: "192.168.0.10:6443"))
        #expect(config.server == KubeServer(scheme: .https, host: "192.168.0.10", port: 6443))
    }

    @Test func insecureSkipTLSVerifyFalseIsFineAndJSONIsYAML() throws {
        let scratch = try KubeScratch()
        let json = """
            {"kind":"Config","apiVersion":"v1","current-context":"c","clusters":[{"name":"k","cluster":{"server":"https://k:6443",
            "insecure-skip-tls-verify":false,"certificate-authority-data":"\(KubePKI.base64(KubePKI.caCertificate))"}}],
            "contexts":[{"name":"c","context":{"cluster":"k"}}]}
            """
        let config = try Self.load(scratch, json)
        #expect(config.credentials == .none)
        #expect(config.server.host == "k")
    }

    // MARK: - Refusals

    @Test func aMissingFile() {
        #expect(throws: LeaseSourceError(
            .invalidSpec, source: "kubeconfig /nonexistent/kubeconfig", "cannot read the file (ENOENT: no such file or directory)"
        )) {
            try KubeClientConfig.load(kubeconfigFile: "/nonexistent/kubeconfig", apiURL: nil, environment: [:])
        }
    }

    @Test func anOversizedFile() throws {
        let scratch = try KubeScratch()
        let refusal = Self.refusal(scratch, String(repeating: "# padding\n", count: 110_000))
        #expect(refusal == "kubeconfig $DIR/kubeconfig: cannot read the file (1100000 bytes, over the 1 MiB cap for kubeconfig files)")
    }

    @Test func notYAML() throws {
        let scratch = try KubeScratch()
        let refusal = try #require(Self.refusal(scratch, "clusters: [\n  - name: a\n  oops: {"))
        #expect(refusal.hasPrefix("kubeconfig $DIR/kubeconfig: malformed YAML at line"), "\(refusal)")
        #expect(Self.refusal(scratch, "just a string") == "kubeconfig $DIR/kubeconfig: expected a kubeconfig (a YAML mapping with clusters, contexts, users), found the string \"just a string\"")
        #expect(Self.refusal(scratch, "") == "kubeconfig $DIR/kubeconfig: the YAML document is empty")
    }

    @Test func aYAMLBombIsRefusedBeforeItIsExpanded() throws {
        let scratch = try KubeScratch()
        var lines = ["a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]"]
        for level in 1..<9 {
            let previous = "*a\(level - 1)"
            lines.append("a\(level): &a\(level) [\(Array(repeating: previous, count: 9).joined(separator: ","))]")
        }
        let refusal = Self.refusal(scratch, lines.joined(separator: "\n"))
        #expect(refusal == "kubeconfig $DIR/kubeconfig: at line 1, column 5: YAML anchors are not supported in this input")
        let deep = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        #expect(Self.refusal(scratch, "clusters: \(deep)")?.contains("nesting deeper than 100 levels") == true)
    }

    @Test func aFieldOfTheWrongTypeIsNamedByItsPath() throws {
        let scratch = try KubeScratch()
        #expect(Self.refusal(scratch, Self.withUser("    token: 5"))
            == "kubeconfig $DIR/kubeconfig: users[0].user.token: expected a string, found the number 5")
        #expect(Self.refusal(scratch, Self.withUser("    token: [a]"))
            == "kubeconfig $DIR/kubeconfig: users[0].user.token: expected a string, found an array")
        #expect(Self.refusal(scratch, "current-context: c\nclusters: {}\n")
            == "kubeconfig $DIR/kubeconfig: current-context: no context named \"c\" in contexts (there is none)")
        #expect(Self.refusal(scratch, "current-context: c\ncontexts: {a: 1}\n")
            == "kubeconfig $DIR/kubeconfig: contexts: expected an array, found an object")
        #expect(Self.refusal(scratch, Self.withUser("    token: t", cluster: "    server: https://a\n    insecure-skip-tls-verify: \"yes\""))
            == "kubeconfig $DIR/kubeconfig: clusters[0].cluster.insecure-skip-tls-verify: expected true or false, found the string \"yes\"")
    }

    @Test func aKindOtherThanConfig() throws {
        let scratch = try KubeScratch()
        #expect(Self.refusal(scratch, "kind: ConfigMap\ndata: {}\n")
            == "kubeconfig $DIR/kubeconfig: kind: expected Config, found the string \"ConfigMap\": this is not a kubeconfig")
    }

    @Test func missingCurrentContextContextClusterOrUser() throws {
        let scratch = try KubeScratch()
        let noCurrent = Self.adminConf().replacingOccurrences(of: "current-context: kubernetes-admin@kubernetes\n", with: "")
        #expect(Self.refusal(scratch, noCurrent)
            == "kubeconfig $DIR/kubeconfig: current-context: not set: name the context to use (kubectl config use-context NAME --kubeconfig $DIR/kubeconfig)")
        let noContext = Self.adminConf().replacingOccurrences(of: "current-context: kubernetes-admin@kubernetes", with: "current-context: staging")
        #expect(Self.refusal(scratch, noContext)
            == "kubeconfig $DIR/kubeconfig: current-context: no context named \"staging\" in contexts (found \"kubernetes-admin@kubernetes\")")
        let noCluster = Self.adminConf().replacingOccurrences(of: "cluster: kubernetes\n", with: "cluster: other\n")
        #expect(Self.refusal(scratch, noCluster)
            == "kubeconfig $DIR/kubeconfig: contexts[0].context.cluster: no cluster named \"other\" in clusters (found \"kubernetes\")")
        let noUser = Self.adminConf().replacingOccurrences(of: "user: kubernetes-admin\n", with: "user: nobody\n")
        #expect(Self.refusal(scratch, noUser)
            == "kubeconfig $DIR/kubeconfig: contexts[0].context.user: no user named \"nobody\" in users (found \"kubernetes-admin\")")
        let contextWithoutCluster = Self.adminConf().replacingOccurrences(of: "    cluster: kubernetes\n", with: "")
        #expect(Self.refusal(scratch, contextWithoutCluster)
            == "kubeconfig $DIR/kubeconfig: contexts[0].context.cluster: the context \"kubernetes-admin@kubernetes\" names no cluster")
        let noServer = Self.adminConf().replacingOccurrences(of: "    server: https://192.168.0.10:6443\n", with: "")
        #expect(Self.refusal(scratch, noServer)
            == "kubeconfig $DIR/kubeconfig: clusters[0].cluster.server: the cluster \"kubernetes\" has no server")
    }

    @Test func duplicateNames() throws {
        let scratch = try KubeScratch()
        let text = Self.adminConf() + "\n- name: kubernetes-admin\n  user: {token: x}\n"
        #expect(Self.refusal(scratch, text)
            == "kubeconfig $DIR/kubeconfig: users[1].name: a second user named \"kubernetes-admin\" (the first is users[0])")
    }

    @Test func insecureSkipTLSVerifyIsRefusedSayingWhy() throws {
        let scratch = try KubeScratch()
        let text = Self.withUser("    token: t", cluster: "    server: https://10.0.0.1:6443\n    insecure-skip-tls-verify: true")
        let refusal = try #require(Self.refusal(scratch, text))
        #expect(refusal.hasPrefix(
            "kubeconfig $DIR/kubeconfig: clusters[0].cluster.insecure-skip-tls-verify: refused: the agent always verifies the API server's certificate"
        ), "\(refusal)")
        #expect(refusal.contains("certificate-authority-data"))
    }

    @Test(arguments: [
        ("exec", "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: aws\n      interactiveMode: Never", "exec credential plugins are not supported"),
        ("auth-provider", "    auth-provider:\n      name: oidc\n      config: {idp-issuer-url: https://x}", "auth-provider plugins are not supported"),
        ("username", "    username: admin\n    password: secret", "basic authentication is not supported"),
        ("as", "    token: t\n    as: system:admin", "impersonation is not supported"),
    ])
    func userKindsThisAgentDoesNotRunAreRefusedByField(_ field: String, _ user: String, _ reason: String) throws {
        let scratch = try KubeScratch()
        let refusal = try #require(Self.refusal(scratch, Self.withUser(user)))
        #expect(refusal.hasPrefix("kubeconfig $DIR/kubeconfig: users[0].user.\(field): \(reason)"), "\(refusal)")
    }

    @Test func proxyURLAndTLSServerNameAreRefused() throws {
        let scratch = try KubeScratch()
        for field in ["proxy-url: http://proxy:3128", "tls-server-name: kubernetes"] {
            let refusal = try #require(Self.refusal(scratch, Self.withUser("    token: t", cluster: "    server: https://a:6443\n    \(field)")))
            #expect(refusal.contains("clusters[0].cluster.\(field.prefix { $0 != ":" }): not supported by this agent"), "\(refusal)")
        }
    }

    @Test func badBase64() throws {
        let scratch = try KubeScratch()
        let text = Self.withUser("    token: t", cluster: "    server: https://a:6443\n    certificate-authority-data: c29tZS1j1YQo=")
        #expect(Self.refusal(scratch, text)
            == "kubeconfig $DIR/kubeconfig: clusters[0].cluster.certificate-authority-data: not base64 (the PEM text of certificate-authority-data is given base64-encoded)")
    }

    @Test func aCAThatIsNotPEM() throws {
        let scratch = try KubeScratch()
        let inline = Self.withUser("    token: t", cluster: "    server: https://a:6443\n    certificate-authority-data: \(KubePKI.base64("some-ca\n"))")
        let refusal = try #require(Self.refusal(scratch, inline))
        #expect(refusal.hasPrefix("kubeconfig $DIR/kubeconfig: clusters[0].cluster.certificate-authority-data: not PEM CA certificates ("), "\(refusal)")
        try scratch.write("ca.der", bytes: [0x30, 0x82, 0x01, 0x0a])
        let file = Self.withUser("    token: t", cluster: "    server: https://a:6443\n    certificate-authority: ca.der")
        let fileRefusal = try #require(Self.refusal(scratch, file))
        #expect(fileRefusal.hasPrefix("kubeconfig $DIR/kubeconfig: clusters[0].cluster.certificate-authority $DIR/ca.der: not PEM CA certificates ("), "\(fileRefusal)")
        let missing = Self.withUser("    token: t", cluster: "    server: https://a:6443\n    certificate-authority: /nonexistent/ca.crt")
        #expect(Self.refusal(scratch, missing)
            == "kubeconfig $DIR/kubeconfig: clusters[0].cluster.certificate-authority /nonexistent/ca.crt: cannot read the file (ENOENT: no such file or directory)")
    }

    @Test func bothCAFileAndDataOrCertificateWithoutKeyOrAKeyThatIsNotItsOwn() throws {
        let scratch = try KubeScratch()
        try scratch.write("ca.crt", KubePKI.caCertificate)
        let both = Self.withUser("    token: t", cluster: "    server: https://a:6443\n    certificate-authority: ca.crt\n    certificate-authority-data: \(KubePKI.base64(KubePKI.caCertificate))")
        #expect(Self.refusal(scratch, both)
            == "kubeconfig $DIR/kubeconfig: clusters[0].cluster.certificate-authority-data: certificate-authority-data and certificate-authority are both given; give one")
        let noKey = Self.withUser("    client-certificate-data: \(KubePKI.base64(KubePKI.clientCertificate))")
        #expect(Self.refusal(scratch, noKey)
            == "kubeconfig $DIR/kubeconfig: users[0].user.client-key-data: users[0].user.client-certificate-data is given without client-key or client-key-data")
        let wrongKey = Self.withUser(
            "    client-certificate-data: \(KubePKI.base64(KubePKI.clientCertificate))\n    client-key-data: \(KubePKI.base64(KubePKI.otherKey))"
        )
        let refusal = try #require(Self.refusal(scratch, wrongKey))
        #expect(refusal.hasPrefix(
            "kubeconfig $DIR/kubeconfig: users[0].user.client-certificate-data and users[0].user.client-key-data: the private key does not go with the certificate"
        ), "\(refusal)")
        let notAKey = Self.withUser(
            "    client-certificate-data: \(KubePKI.base64(KubePKI.clientCertificate))\n    client-key-data: \(KubePKI.base64(KubePKI.clientCertificate))"
        )
        #expect(Self.refusal(scratch, notAKey)?.hasPrefix("kubeconfig $DIR/kubeconfig: users[0].user.client-key-data: not a PEM private key (") == true)
    }

    @Test func plainHTTPWithATokenIsRefused() throws {
        let scratch = try KubeScratch()
        let text = Self.withUser("    token: t", cluster: "    server: http://10.0.0.1:8080")
        #expect(Self.refusal(scratch, text)
            == "kubeconfig $DIR/kubeconfig (context flannel@prod): clusters[0].cluster.server http://10.0.0.1:8080 is plain http but the configuration carries a bearer token, which would cross the network in clear; use the API server's https URL")
        // client-go's rule: no scheme and no TLS material is http, so a token alone is refused too.
        let schemeless = Self.withUser("    token: t", cluster: "    server: 10.0.0.1:8080")
        #expect(Self.refusal(scratch, schemeless)?.contains("is plain http but the configuration carries a bearer token") == true)
        #expect(Self.refusal(scratch, Self.adminConf(), apiURL: "http://10.0.0.1:8080")?
            .contains("--kube-api-url http://10.0.0.1:8080 is plain http but the configuration carries a client certificate") == true)
    }

    @Test func plainHTTPWithoutCredentialsIsAllowed() throws {
        let scratch = try KubeScratch()
        let config = try Self.load(scratch, Self.withUser("    {}", cluster: "    server: http://127.0.0.1:8080"))
        #expect(config.server == KubeServer(scheme: .http, host: "127.0.0.1", port: 8080))
        #expect(config.tlsConfiguration() == nil)
        #expect(config.credentials == .none)
    }

    @Test func tokenFilesThatCannotBeUsed() throws {
        let scratch = try KubeScratch()
        try scratch.write("empty-token", " \n")
        #expect(Self.refusal(scratch, Self.withUser("    tokenFile: empty-token"))
            == "kubeconfig $DIR/kubeconfig: users[0].user.tokenFile $DIR/empty-token: the token is empty")
        try scratch.write("big-token", String(repeating: "a", count: 70_000))
        #expect(Self.refusal(scratch, Self.withUser("    tokenFile: big-token"))
            == "kubeconfig $DIR/kubeconfig: users[0].user.tokenFile $DIR/big-token: cannot read the file (70000 bytes, over the 65536 bytes cap for bearer token files)")
        #expect(Self.refusal(scratch, Self.withUser("    tokenFile: missing"))
            == "kubeconfig $DIR/kubeconfig: users[0].user.tokenFile $DIR/missing: cannot read the file (ENOENT: no such file or directory)")
        #expect(Self.refusal(scratch, Self.withUser("    token: \"a b\""))
            == "kubeconfig $DIR/kubeconfig: users[0].user.token: the token holds a space, a control character or non-ASCII text, which a request header cannot carry")
    }

    @Test func badServerURLs() throws {
        let scratch = try KubeScratch()
        #expect(Self.refusal(scratch, Self.adminConf(server: "ftp://a"))
            == "kubeconfig $DIR/kubeconfig: clusters[0].cluster.server: \"ftp://a\": the scheme \"ftp\" is not https or http")
        #expect(Self.refusal(scratch, Self.adminConf(), apiURL: "https://a:99999")
            == "kubeconfig $DIR/kubeconfig: --kube-api-url: \"https://a:99999\": the port \"99999\" is not from 1 to 65535")
    }
}
