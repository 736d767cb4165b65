import Foundation

/// A temporary directory for one test's kubeconfig, certificates and tokens, removed with it.
final class KubeScratch {
    let directory: String

    init() throws {
        var template = Array((FileManager.default.temporaryDirectory.path + "/kube-test-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw CocoaError(.fileWriteUnknown) }
        directory = String(cString: made)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// Writes `text` to `name` (subdirectories made) and returns the path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try write(name, bytes: Array(text.utf8))
    }

    @discardableResult
    func write(_ name: String, bytes: [UInt8]) throws -> String {
        let path = directory + "/" + name
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true
        )
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }
}

/// The test PKI of Fixtures/kube (see its README): a CA, a client certificate and key it signed,
/// and an unrelated key.
enum KubePKI {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/kube")

    static func text(_ name: String) -> String {
        (try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)) ?? "missing fixture \(name)"
    }

    static let caCertificate = text("ca.crt")
    static let clientCertificate = text("client.crt")
    static let clientKey = text("client.key")
    static let otherKey = text("other.key")

    static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }
}
