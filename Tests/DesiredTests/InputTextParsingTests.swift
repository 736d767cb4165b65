@testable import Desired
import NetState
import Testing

/// The specialised parsers must accept exactly what NetState's parsers accept, with the same
/// values: edge cases by hand, then many random near-misses.
@Suite struct InputTextParsingTests {
    static let addresses = [
        "0.0.0.0", "255.255.255.255", "10.244.1.0", "192.168.64.3", "1.2.3.4", "01.2.3.4", "1.2.3.04", "1.2.3",
        "1.2.3.4.5", "256.1.1.1", "1..2.3", ".1.2.3", "1.2.3.", "1.2.3.4 ", " 1.2.3.4", "+1.2.3.4", "1.2.3.-4",
        "1234.1.1.1", "0.0.0.00", "", "a.b.c.d", "1.2.3.4/24", "１.2.3.4",
    ]
    static let macs = [
        "c6:d2:32:6f:8f:44", "C6:D2:32:6F:8F:44", "c6-d2-32-6f-8f-44", "c6:d2-32:6f:8f:44", "c6:d2:32:6f:8f",
        "c6:d2:32:6f:8f:44:00", "c6:d2:32:6f:8f:4g", "c6d2:32:6f:8f:44:", "00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff",
        "", "c6:d2:32:6f:8f:4", " c6:d2:32:6f:8f:44", "c6.d2.32.6f.8f.44",
    ]

    @Test(arguments: addresses) func ipv4MatchesNetState(_ text: String) {
        #expect(InputTextParsing.ipv4Address(text) == IPv4Address(text))
        #expect(InputTextParsing.ipv4Address(text[...]) == IPv4Address(text[...]))
    }

    @Test(arguments: macs) func macMatchesNetState(_ text: String) {
        #expect(InputTextParsing.macAddress(text) == MACAddress(text))
    }

    @Test func randomNearMissesMatchNetState() {
        var generator = SystemRandomNumberGenerator()
        let ipAlphabet = Array("0123456789.0123456789.a ")
        let macAlphabet = Array("0123456789abcdefABCDEF::--g")
        for _ in 0..<20_000 {
            let ip = String((0..<Int.random(in: 0...16, using: &generator)).map { _ in ipAlphabet.randomElement(using: &generator)! })
            #expect(InputTextParsing.ipv4Address(ip) == IPv4Address(ip), "\(ip)")
            let mac = String((0..<Int.random(in: 15...18, using: &generator)).map { _ in macAlphabet.randomElement(using: &generator)! })
            #expect(InputTextParsing.macAddress(mac) == MACAddress(mac), "\(mac)")
        }
        // Valid forms, mutated one byte at a time, so both sides of each rule are exercised.
        for base in ["10.244.12.3", "c6:d2:32:6f:8f:44"] {
            for index in base.indices {
                for replacement in ["0", "9", ".", ":", "-", "f", "G", ""] {
                    var text = base
                    text.replaceSubrange(index...index, with: replacement)
                    #expect(InputTextParsing.ipv4Address(text) == IPv4Address(text), "\(text)")
                    #expect(InputTextParsing.macAddress(text) == MACAddress(text), "\(text)")
                }
            }
        }
    }
}
