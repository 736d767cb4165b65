import Desired
import Foundation
import InputFiles
import NIOSSL

/// A kubeconfig read as client-go reads `--kubeconfig` (`tools/clientcmd`): the
/// `current-context` names a context, the context names a cluster and a user, each looked up by
/// name in `clusters`, `users`; the cluster gives `server` and the CA, the user a token
/// (`token`, `tokenFile`) and/or a client certificate (`client-certificate[-data]`,
/// `client-key[-data]`). Relative file paths are relative to the kubeconfig's directory
/// (client-go's `ResolveLocalPaths`); `…-data` fields are base64 (Go's standard encoding, line
/// breaks ignored).
///
/// The file is treated as hostile: read under `InputFileLimit.kubeconfig`, parsed by the same
/// guarded YAML reader as the net-conf ConfigMap (no anchors or aliases, bounded nesting), and a
/// field of the wrong type is refused with its path (`users[0].user.token: expected a string,
/// found the number 5`). Names are case-sensitive, unknown fields ignored, as client-go does.
///
/// Refused, naming the field: what client-go itself refuses (duplicate names, a context,
/// cluster or user that is not there, a cluster without `server`, both a file and data for the
/// same certificate, a certificate without a key); `insecure-skip-tls-verify: true`; what this
/// client does not run (`exec`, `auth-provider`, basic auth, impersonation, `proxy-url`,
/// `tls-server-name`); and a bearer token or TLS material with a plain-http server.
public enum KubeConfigFile {
    /// A name from the file, quoted and bounded (first 80 characters) for a message.
    static func quoted(_ name: String) -> String {
        name.count > 80 ? String(name.prefix(80)).debugDescription + "… (\(name.utf8.count) bytes)" : name.debugDescription
    }

    /// Loads `path`; `serverOverride` (`--kube-api-url`) replaces the cluster's `server`.
    public static func load(_ path: String, serverOverride: String? = nil) throws(LeaseSourceError) -> KubeClientConfig {
        let fileSource = "kubeconfig \(path)"
        let bytes: [UInt8]
        do {
            bytes = try InputFile.read(path, limit: .kubeconfig)
        } catch {
            throw LeaseSourceError(.invalidSpec, source: fileSource, "cannot read the file (\(error.message))")
        }
        let document: InputJSON
        do {
            document = try InputYAML.parse(bytes, path: InputPath(source: fileSource))
        } catch {
            throw refusal(error)
        }
        do {
            return try Reader(path: path, source: fileSource).read(document, serverOverride: serverOverride)
        } catch let error as InputError {
            throw refusal(error)
        } catch let error as LeaseSourceError {
            throw error
        } catch {
            throw LeaseSourceError(.invalidSpec, source: fileSource, "\(error)")
        }
    }

    /// `kubeconfig /x: users[0].user.token: expected a string, found the number 5`.
    private static func refusal(_ error: InputError) -> LeaseSourceError {
        LeaseSourceError(
            .invalidSpec, source: error.source ?? "kubeconfig",
            [error.field, error.message].compactMap { $0 }.joined(separator: ": ")
        )
    }

    /// The directory relative paths in `path` are resolved against: the file's own, made
    /// absolute against the working directory as client-go's `filepath.Abs` does.
    static func directory(of path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        guard let slash = absolute.lastIndex(of: "/") else { return "." }
        return slash == absolute.startIndex ? "/" : String(absolute[..<slash])
    }

    /// Go's `base64.StdEncoding` as `encoding/json` decodes a `[]byte` field: the standard
    /// alphabet, padded to a multiple of 4, line breaks ignored. Foundation's decoder alone is
    /// laxer (it takes unpadded text), so the shape is checked first.
    static func base64(_ text: String) -> [UInt8]? {
        let compact = text.utf8.filter { $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\r") }
        guard compact.count % 4 == 0 else { return nil }
        let padding = compact.reversed().prefix { $0 == UInt8(ascii: "=") }.count
        guard padding <= 2 else { return nil }
        let isAlphabet = { (byte: UInt8) in
            (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) || byte == 0x2B || byte == 0x2F
        }
        guard compact.dropLast(padding).allSatisfy(isAlphabet) else { return nil }
        return Data(base64Encoded: Data(compact)).map { [UInt8]($0) }
    }

    /// One read of one file. Its throws are `InputError` (a field's shape) or `LeaseSourceError`.
    private struct Reader {
        var path: String
        var source: String
        var base: String { KubeConfigFile.directory(of: path) }

        func read(_ document: InputJSON, serverOverride: String?) throws -> KubeClientConfig {
            let top = InputPath(source: source)
            guard case .object = document else {
                throw top.error(.unknownFormat, "expected a kubeconfig (a YAML mapping with clusters, contexts, users), found \(document.summary)")
            }
            let root = try InputValue(document, at: top).object()
            if let kind = root.exactField("kind"), try kind.string() != "Config" {
                throw kind.path.error(.unknownFormat, "expected Config, found \(kind.json.summary): this is not a kubeconfig")
            }
            if let version = root.exactField("apiVersion"), try version.string() != "v1" {
                throw version.path.error(.invalidValue, "expected v1, found \(version.json.summary)")
            }
            guard let (currentField, contextName) = try text(root, "current-context") else {
                throw top.appending("current-context").error(
                    .missingField, "not set: name the context to use (kubectl config use-context NAME --kubeconfig \(path))"
                )
            }
            let contexts = try named(root, "contexts", entry: "context")
            guard let context = contexts[contextName] else {
                throw currentField.path.error(.invalidValue, "no context named \(KubeConfigFile.quoted(contextName)) in contexts\(listed(contexts))")
            }
            let contextFields = try context.object()
            guard let (clusterField, clusterName) = try text(contextFields, "cluster") else {
                throw context.path.appending("cluster").error(.missingField, "the context \(KubeConfigFile.quoted(contextName)) names no cluster")
            }
            let clusters = try named(root, "clusters", entry: "cluster")
            guard let cluster = clusters[clusterName] else {
                throw clusterField.path.error(.invalidValue, "no cluster named \(KubeConfigFile.quoted(clusterName)) in clusters\(listed(clusters))")
            }
            var user: InputObject?
            if let (userField, userName) = try text(contextFields, "user") {
                let users = try named(root, "users", entry: "user")
                guard let found = users[userName] else {
                    throw userField.path.error(.invalidValue, "no user named \(KubeConfigFile.quoted(userName)) in users\(listed(users))")
                }
                user = try found.object()
            }

            let clusterFields = try cluster.object()
            var origin = clusterFields.path.appending("server").field ?? "server"
            let configSource = "\(source) (context \(contextName)\(serverOverride == nil ? "" : ", server from --kube-api-url"))"
            for unsupported in ["proxy-url", "tls-server-name"] {
                if let field = clusterFields.exactField(unsupported) {
                    throw field.path.error(
                        .invalidValue,
                        "not supported by this agent (it connects to the server directly and checks the certificate against the server's host name)"
                    )
                }
            }
            if let insecure = clusterFields.exactField("insecure-skip-tls-verify"), try insecure.bool() {
                throw insecure.path.error(
                    .invalidValue,
                    "refused: the agent always verifies the API server's certificate, since a server it does not verify could feed it "
                        + "leases that reroute the node's pod traffic; give the cluster's CA in certificate-authority-data or certificate-authority"
                )
            }
            let ca = try pem(clusterFields, file: "certificate-authority", data: "certificate-authority-data", what: "PEM CA certificates")
            var clientCertificate: KubeClientCertificate?
            var credentials = KubeCredentials.none
            if let user {
                clientCertificate = try certificate(user)
                credentials = try bearer(user)
            }
            let tlsMaterial = ca != nil || clientCertificate != nil
            let serverText: String
            if let serverOverride {
                serverText = serverOverride
                origin = "--kube-api-url"
            } else {
                guard let (_, text) = try text(clusterFields, "server") else {
                    throw clusterFields.path.appending("server").error(.missingField, "the cluster \(KubeConfigFile.quoted(clusterName)) has no server")
                }
                serverText = text
            }
            let server: KubeServer
            switch KubeServer.parse(serverText, defaultTLS: tlsMaterial) {
            case .success(let parsed): server = parsed
            case .failure(let error): throw LeaseSourceError(.invalidSpec, source: source, "\(origin): \(error.reason)")
            }
            let tls = KubeTLS(certificateAuthorities: ca?.certificates, clientCertificate: clientCertificate)
            try KubeClientConfig.checkTransport(server, tls: tls, credentials: credentials, serverOrigin: origin, source: configSource)
            return KubeClientConfig(server: server, tls: server.scheme == .https ? tls : nil, credentials: credentials, source: configSource)
        }

        /// `name → entry` of a list of `{name, <entry>: {…}}` (clusters, contexts, users). A
        /// duplicate name is refused, as client-go's conversion refuses it. A missing entry object
        /// is an empty one (Go's zero value).
        func named(_ root: InputObject, _ list: String, entry: String) throws -> [String: InputValue] {
            guard let items = root.exactField(list) else { return [:] }
            var byName: [String: InputValue] = [:]
            var seenAt: [String: String] = [:]
            for item in try items.array() {
                let fields = try item.object()
                guard let (nameField, name) = try text(fields, "name") else {
                    throw item.path.appending("name").error(.missingField, "every entry of \(list) needs a name")
                }
                if let first = seenAt[name] {
                    throw nameField.path.error(.invalidValue, "a second \(entry) named \(KubeConfigFile.quoted(name)) (the first is \(first))")
                }
                seenAt[name] = item.path.field ?? list
                byName[name] = fields.exactField(entry) ?? InputValue(.object([]), at: item.path.appending(entry))
            }
            return byName
        }

        // At most five names, each bounded: a hostile kubeconfig may hold thousands, or long ones.
        func listed(_ entries: [String: InputValue]) -> String {
            guard !entries.isEmpty else { return " (there is none)" }
            let names = entries.keys.sorted()
            let shown = names.prefix(5).map(KubeConfigFile.quoted).joined(separator: ", ")
            return " (found \(shown)\(names.count > 5 ? ", … \(names.count - 5) more" : ""))"
        }

        /// A user's bearer token: `tokenFile` (re-read when it changes, and used over `token`
        /// when both are given, as client-go's file token source is), else `token`. Auth this
        /// client does not run is refused by name.
        func bearer(_ user: InputObject) throws -> KubeCredentials {
            let refusals: [(String, String)] = [
                ("exec", "exec credential plugins are not supported by this agent: give the user a token, tokenFile or client certificate"),
                ("auth-provider", "auth-provider plugins are not supported by this agent: give the user a token, tokenFile or client certificate"),
                ("httpSignature", "HTTP signatures are not supported by this agent: give the user a token, tokenFile or client certificate"),
                ("username", "basic authentication is not supported (kube-apiserver removed it in 1.19): give the user a token, tokenFile or client certificate"),
                ("password", "basic authentication is not supported (kube-apiserver removed it in 1.19): give the user a token, tokenFile or client certificate"),
                ("as", "impersonation is not supported by this agent: give it the identity it acts as"),
                ("as-uid", "impersonation is not supported by this agent: give it the identity it acts as"),
                ("as-groups", "impersonation is not supported by this agent: give it the identity it acts as"),
                ("as-user-extra", "impersonation is not supported by this agent: give it the identity it acts as"),
            ]
            for (name, reason) in refusals {
                if let field = user.exactField(name) { throw field.path.error(.invalidValue, reason) }
            }
            if let (fileField, file) = try text(user, "tokenFile") {
                let resolved = resolve(file)
                let label = "\(source): \(fileField.path.field ?? "tokenFile") \(resolved)"
                try KubeClientConfig.checkTokenFile(resolved, label: label)
                return .tokenFile(resolved)
            }
            if let (tokenField, token) = try text(user, "token") {
                do {
                    return .token(try KubeBearerToken.check(token, label: source))
                } catch {
                    throw tokenField.path.error(.invalidValue, error.message)
                }
            }
            return .none
        }

        /// A user's client certificate and key, both or neither.
        func certificate(_ user: InputObject) throws -> KubeClientCertificate? {
            let chain = try pem(user, file: "client-certificate", data: "client-certificate-data", what: "a PEM certificate")
            let keyText = try bytes(user, file: "client-key", data: "client-key-data")
            switch (chain, keyText) {
            case (nil, nil):
                return nil
            case (nil, let key?):
                throw user.path.appending("client-certificate-data").error(
                    .missingField, "\(key.label) is given without client-certificate or client-certificate-data"
                )
            case (let chain?, nil):
                throw user.path.appending("client-key-data").error(
                    .missingField, "\(chain.label) is given without client-key or client-key-data"
                )
            case let (chain?, key?):
                let certificate = KubeClientCertificate(
                    chain: chain.certificates, key: try TLSMaterial.privateKey(key.bytes, label: key.label, source: source)
                )
                try KubeClientConfig.checkKeyMatches(certificate, label: "\(chain.label) and \(key.label)", source: source)
                return certificate
            }
        }

        /// The certificates of a file/data pair of fields.
        func pem(
            _ fields: InputObject, file: String, data: String, what: String
        ) throws -> (certificates: [NIOSSLCertificate], label: String)? {
            guard let text = try bytes(fields, file: file, data: data) else { return nil }
            return (try TLSMaterial.certificates(text.bytes, label: text.label, what: what, source: source), text.label)
        }

        /// The bytes of a file/data pair of fields (`certificate-authority`/`…-data`), and how
        /// messages name them: `clusters[0].cluster.certificate-authority /etc/kubernetes/pki/ca.crt`.
        /// Both given is refused, as client-go refuses it.
        func bytes(_ fields: InputObject, file: String, data: String) throws -> (bytes: [UInt8], label: String)? {
            let fileField = try text(fields, file)
            let dataField = try text(fields, data)
            if fileField != nil, let (value, _) = dataField {
                throw value.path.error(.invalidValue, "\(data) and \(file) are both given; give one")
            }
            if let (value, name) = fileField {
                let resolved = resolve(name)
                let label = "\(value.path.field ?? file) \(resolved)"
                return (try TLSMaterial.read(resolved, label: label, source: source), label)
            }
            guard let (value, text) = dataField else { return nil }
            guard let decoded = KubeConfigFile.base64(text) else {
                throw value.path.error(.invalidValue, "not base64 (the PEM text of \(data) is given base64-encoded)")
            }
            return (decoded, value.path.field ?? data)
        }

        /// A string field, nil when absent, null or empty (Go's zero value: client-go treats an
        /// empty string as not given). Any other type is refused with the field's path.
        func text(_ fields: InputObject, _ name: String) throws -> (value: InputValue, text: String)? {
            guard let value = fields.exactField(name) else { return nil }
            let text = try value.string()
            return text.isEmpty ? nil : (value, text)
        }

        /// A path from the file, relative to its directory unless absolute.
        func resolve(_ file: String) -> String {
            file.hasPrefix("/") ? file : (base == "/" ? "/" : base + "/") + file
        }
    }
}
