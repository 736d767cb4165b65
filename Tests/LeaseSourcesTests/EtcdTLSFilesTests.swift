import Foundation
@testable import LeaseSources
import Testing

/// A TLS file that cannot be used is reported with its flag and path: three files, one error.
@Suite struct EtcdTLSFilesTests {
    static func refusal(_ files: EtcdTLSFiles) -> String? {
        do {
            _ = try EtcdLeaseSource.tlsConfiguration(files, source: "etcd://127.0.0.1:2379")
            return nil
        } catch {
            return error.description
        }
    }

    @Test func aMissingCAFileIsNamedWithItsFlag() {
        #expect(
            Self.refusal(EtcdTLSFiles(caFile: "/nonexistent/ca.pem"))
                == "etcd://127.0.0.1:2379: --etcd-cafile /nonexistent/ca.pem: cannot read the file (ENOENT: no such file or directory)"
        )
    }

    @Test func aMissingCertOrKeyIsNamedWithItsFlag() throws {
        #expect(
            Self.refusal(EtcdTLSFiles(certFile: "/nonexistent/cert.pem", keyFile: "/nonexistent/key.pem"))?
                .contains("--etcd-certfile /nonexistent/cert.pem: cannot read the file") == true
        )
    }

    @Test func aFileThatIsNotPEMSaysWhatWasExpected() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("not-pem-\(UUID().uuidString).pem").path
        try Data("not a certificate\n".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let refusal = try #require(Self.refusal(EtcdTLSFiles(caFile: path)))
        #expect(refusal.hasPrefix("etcd://127.0.0.1:2379: --etcd-cafile \(path): not a PEM CA certificate ("), "\(refusal)")
    }
}
