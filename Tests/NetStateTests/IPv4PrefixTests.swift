import NetState
import Testing

@Suite struct IPv4PrefixTests {
    @Test(arguments: ["10.244.0.0/16", "10.244.1.0/24", "0.0.0.0/0", "192.168.1.11/32", "224.0.0.0/4"])
    func roundTripsText(text: String) throws {
        let prefix = try #require(IPv4Prefix(text))
        #expect(prefix.description == text)
    }

    @Test(arguments: ["10.244.1.7/24", "10.245.0.0/15", "0.0.0.1/0", "192.168.1.11/31"])
    func strictParserRefusesHostBits(text: String) throws {
        #expect(IPv4Prefix(text) == nil)
        let lenient = try #require(IPv4Prefix(text, strict: false))
        #expect(lenient.address.value & ~lenient.netmask == 0, "host bits are cleared")
    }

    @Test func lenientParserClearsHostBits() {
        #expect(IPv4Prefix("10.244.1.7/24", strict: false)?.description == "10.244.1.0/24")
    }

    @Test(arguments: [
        "10.244.0.0", "10.244.0.0/", "10.244.0.0/33", "10.244.0.0/-1", "10.244.0.0/ 8", "10.244.0.0/8/8",
        "/24", "010.244.0.0/16", "10.244.0.0/100", " 10.244.0.0/16", "10.244.0.0/16 ", "10.244.0.0/1a",
    ])
    func refusesMalformedText(text: String) {
        #expect(IPv4Prefix(text) == nil, "\(text) must not parse")
        #expect(IPv4Prefix(text, strict: false) == nil, "\(text) must not parse leniently either")
    }

    @Test func memberwiseInitClearsHostBitsAndClampsLength() {
        let prefix = IPv4Prefix(address: IPv4Address(10, 244, 1, 7), length: 16)
        #expect(prefix.description == "10.244.0.0/16")
        #expect(IPv4Prefix(address: IPv4Address(10, 1, 2, 3), length: 40).description == "10.1.2.3/32")
        #expect(IPv4Prefix(address: IPv4Address(10, 244, 1, 7), length: 24)
            == IPv4Prefix(address: IPv4Address(10, 244, 1, 200), length: 24))
    }

    @Test func lastAddressIsTheBroadcastAddress() throws {
        #expect(try #require(IPv4Prefix("10.244.1.0/24")).lastAddress == IPv4Address(10, 244, 1, 255))
        #expect(try #require(IPv4Prefix("10.244.0.0/16")).lastAddress == IPv4Address(10, 244, 255, 255))
        #expect(try #require(IPv4Prefix("0.0.0.0/0")).lastAddress == IPv4Address(255, 255, 255, 255))
        #expect(try #require(IPv4Prefix("10.1.2.3/32")).lastAddress == IPv4Address(10, 1, 2, 3))
        #expect(try #require(IPv4Prefix("10.1.2.2/31")).lastAddress == IPv4Address(10, 1, 2, 3))
    }

    @Test func netmasks() {
        #expect(IPv4Prefix.mask(0) == 0)
        #expect(IPv4Prefix.mask(1) == 0x8000_0000)
        #expect(IPv4Prefix.mask(24) == 0xffff_ff00)
        #expect(IPv4Prefix.mask(32) == 0xffff_ffff)
    }

    @Test func containsAddresses() throws {
        let lease = try #require(IPv4Prefix("10.244.1.0/24"))
        #expect(lease.contains(IPv4Address(10, 244, 1, 0)))
        #expect(lease.contains(IPv4Address(10, 244, 1, 255)))
        #expect(!lease.contains(IPv4Address(10, 244, 2, 0)))
        #expect(!lease.contains(IPv4Address(10, 244, 0, 255)))
        let everything = try #require(IPv4Prefix("0.0.0.0/0"))
        #expect(everything.contains(IPv4Address(0)))
        #expect(everything.contains(IPv4Address(UInt32.max)))
        let host = try #require(IPv4Prefix("192.168.1.11/32"))
        #expect(host.contains(IPv4Address(192, 168, 1, 11)))
        #expect(!host.contains(IPv4Address(192, 168, 1, 12)))
    }

    @Test func containsAndOverlapsPrefixes() throws {
        func p(_ text: String) throws -> IPv4Prefix { try #require(IPv4Prefix(text)) }
        let cluster = try p("10.244.0.0/16")
        #expect(cluster.contains(try p("10.244.1.0/24")))
        #expect(cluster.contains(cluster))
        #expect(!cluster.contains(try p("10.0.0.0/8")), "a wider prefix is not inside a narrower one")
        #expect(!cluster.contains(try p("10.245.0.0/24")))
        #expect(try p("0.0.0.0/0").contains(cluster))
        #expect(try p("10.244.1.0/24").contains(try p("10.244.1.128/32")))

        #expect(cluster.overlaps(try p("10.244.7.0/24")))
        #expect(try p("10.244.7.0/24").overlaps(cluster), "overlap is symmetric")
        #expect(try p("10.244.1.0/24").overlaps(try p("10.244.1.0/25")))
        #expect(!(try p("10.244.1.0/25")).overlaps(try p("10.244.1.128/25")))
        #expect(!(try p("10.244.1.0/24")).overlaps(try p("10.244.2.0/24")))
        #expect(try p("0.0.0.0/0").overlaps(try p("255.255.255.255/32")))
    }

    @Test func ordersByAddressThenLength() throws {
        let sorted = try ["10.244.2.0/24", "10.244.0.0/24", "10.244.0.0/16", "10.244.10.0/24"]
            .map { try #require(IPv4Prefix($0)) }.sorted().map(\.description)
        #expect(sorted == ["10.244.0.0/16", "10.244.0.0/24", "10.244.2.0/24", "10.244.10.0/24"])
    }

    @Test func multicastRange() {
        #expect(IPv4Prefix.multicast.description == "224.0.0.0/4")
        #expect(IPv4Prefix.multicast.contains(IPv4Address(239, 255, 255, 250)))
        #expect(!IPv4Prefix.multicast.contains(IPv4Address(240, 0, 0, 1)))
    }
}
