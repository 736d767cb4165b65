import Foundation

/// Certificates made with openssl for the TLS tests (etcd's, the test API server's): a CA, and
/// keys with certificates it signs, valid for two days, in a test's own directory.
enum TestPKI {
    /// A PEM certificate and its private key.
    struct Pair {
        var certificate: String
        var key: String
    }

    /// A self-signed CA: `<name>.pem` and `<name>.key` in `directory`.
    static func makeCA(_ name: String, subject: String, in directory: URL) throws -> Pair {
        let pair = Pair(certificate: path(name, "pem", in: directory), key: path(name, "key", in: directory))
        try Shell.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", subject,
                       "-keyout", pair.key, "-out", pair.certificate])
        return pair
    }

    /// A key and a certificate `ca` signs, with `extensions` (openssl's extfile lines: the
    /// subjectAltName, key usages): `<name>.pem` and `<name>.key` in `directory`.
    static func issue(_ name: String, subject: String, extensions: String, by ca: Pair, in directory: URL) throws -> Pair {
        let pair = Pair(certificate: path(name, "pem", in: directory), key: path(name, "key", in: directory))
        let request = path(name, "csr", in: directory), extfile = path(name, "ext", in: directory)
        try extensions.write(toFile: extfile, atomically: true, encoding: .utf8)
        try Shell.run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", pair.key, "-out", request])
        try Shell.run(["openssl", "x509", "-req", "-in", request, "-CA", ca.certificate, "-CAkey", ca.key, "-CAcreateserial",
                       "-days", "2", "-extfile", extfile, "-out", pair.certificate])
        return pair
    }

    private static func path(_ name: String, _ suffix: String, in directory: URL) -> String {
        directory.appendingPathComponent("\(name).\(suffix)").path
    }
}
