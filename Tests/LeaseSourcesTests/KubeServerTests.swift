@testable import LeaseSources
import Testing

/// Server URLs as client-go takes them.
@Suite struct KubeServerTests {
    static func parse(_ text: String, tls: Bool = true) -> KubeServer? {
        try? KubeServer.parse(text, defaultTLS: tls).get()
    }

    @Test func accepted() {
        #expect(Self.parse("https://10.0.0.1:6443") == KubeServer(scheme: .https, host: "10.0.0.1", port: 6443))
        #expect(Self.parse("https://kube.example") == KubeServer(scheme: .https, host: "kube.example", port: 443))
        #expect(Self.parse("HTTP://kube.example/") == KubeServer(scheme: .http, host: "kube.example", port: 80))
        #expect(Self.parse("https://[fd00::1]") == KubeServer(scheme: .https, host: "fd00::1", port: 443))
        #expect(Self.parse("https://[fd00::1]:6443/base//") == KubeServer(scheme: .https, host: "fd00::1", port: 6443, basePath: "/base"))
        #expect(Self.parse("10.0.0.1:6443") == KubeServer(scheme: .https, host: "10.0.0.1", port: 6443))
        #expect(Self.parse("10.0.0.1:8080", tls: false) == KubeServer(scheme: .http, host: "10.0.0.1", port: 8080))
    }

    @Test(arguments: [
        "ftp://a", "https://", "https://:6443", "https://a:0", "https://a:+1", "https://a:65536", "https://u:p@a",
        "https://a/?watch=1", "https://a#x", "https://[fd00::1", "https://[fd00::1]x", "https://[zz]:1", "https://a b",
    ])
    func refused(_ text: String) {
        #expect(Self.parse(text) == nil)
    }

    @Test func descriptions() {
        #expect(KubeServer(scheme: .https, host: "fd00::1", port: 6443, basePath: "/k").description == "https://[fd00::1]:6443/k")
        #expect(KubeServer(scheme: .https, host: "a", port: 443).url("/api/v1/nodes") == "https://a:443/api/v1/nodes")
    }
}

/// `…-data` fields decode as Go's `base64.StdEncoding`.
@Suite struct KubeConfigBase64Tests {
    @Test func goStandardEncoding() {
        #expect(KubeConfigFile.base64("c29tZS1jYQo=") == Array("some-ca\n".utf8))
        #expect(KubeConfigFile.base64("c29t\nZS1j\r\nYQo=") == Array("some-ca\n".utf8))
        #expect(KubeConfigFile.base64("") == [])
        for bad in ["c29tZS1j1YQo=", "c29tZS1jYQo", "c29tZS1jYQ===", "c29t ZS1jYQo=", "c29tZS1j-Qo=", "c2=tZS1jYQo="] {
            #expect(KubeConfigFile.base64(bad) == nil, "\(bad)")
        }
    }
}
