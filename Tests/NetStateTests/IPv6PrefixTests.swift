import NetState
import TestSupport
import Testing

@Suite struct IPv6PrefixTests {
    @Test(arguments: [
        "fd00:10:244::/56", "fd00:10:244:1::/64", "::/0", "fd00:10:244:1::1/128", "ff00::/8", "fe80::/64",
        "2001:db8::/32", "::ffff:10.0.0.0/104", "1:2:3:4:5:6:7:8/128",
    ])
    func roundTripsText(text: String) throws {
        let prefix = try #require(IPv6Prefix(text))
        #expect(prefix.description == text)
    }

    @Test(arguments: [
        ("FD00:10:244:1:0:0:0:0/64", "fd00:10:244:1::/64"), ("fd00:10:244:1::/064", "fd00:10:244:1::/64"),
        ("::ffff:a00:0/104", "::ffff:10.0.0.0/104"),
    ])
    func printsTheCanonicalForm(text: String, canonical: String) throws {
        #expect(try #require(IPv6Prefix(text)).description == canonical)
    }

    @Test(arguments: ["fd00:10:244:1::7/64", "fd00:10:245::/47", "::1/0", "fd00::1/127", "fd00::8000:0:0:0/64"])
    func strictParserRefusesHostBits(text: String) throws {
        #expect(IPv6Prefix(text) == nil)
        let lenient = try #require(IPv6Prefix(text, strict: false))
        #expect(lenient.address.high & ~lenient.netmask.high == 0, "host bits are cleared")
        #expect(lenient.address.low & ~lenient.netmask.low == 0, "host bits are cleared")
    }

    @Test func lenientParserClearsHostBits() {
        #expect(IPv6Prefix("fd00:10:244:1::7/64", strict: false)?.description == "fd00:10:244:1::/64")
        #expect(IPv6Prefix("fd00:10:244:1:ffff::/60", strict: false)?.description == "fd00:10:244::/60")
    }

    @Test(arguments: [
        "fd00::", "fd00::/", "fd00::/129", "fd00::/-1", "fd00::/ 8", "fd00::/8/8", "/64", "fd00::/1000", "fd00::/0064",
        " fd00::/64", "fd00::/64 ", "fd00::/6a", "fd00::%eth0/64", "[fd00::]/64", "fd00:::/64", "10.244.0.0/16",
        "fd00::/+64",
    ])
    func refusesMalformedText(text: String) {
        #expect(IPv6Prefix(text) == nil, "\(text) must not parse")
        #expect(IPv6Prefix(text, strict: false) == nil, "\(text) must not parse leniently either")
    }

    @Test func memberwiseInitClearsHostBitsAndClampsLength() throws {
        let address = try #require(IPv6Address("fd00:10:244:1:2:3:4:5"))
        #expect(IPv6Prefix(address: address, length: 48).description == "fd00:10:244::/48")
        #expect(IPv6Prefix(address: address, length: 80).description == "fd00:10:244:1:2::/80")
        #expect(IPv6Prefix(address: address, length: 200).description == "fd00:10:244:1:2:3:4:5/128")
        #expect(IPv6Prefix(address: address, length: 0).description == "::/0")
        #expect(IPv6Prefix(address: address, length: 64)
            == IPv6Prefix(address: try #require(IPv6Address("fd00:10:244:1:ffff::")), length: 64))
    }

    @Test func netmasks() {
        #expect(IPv6Prefix.mask(0) == (0, 0))
        #expect(IPv6Prefix.mask(1) == (0x8000_0000_0000_0000, 0))
        #expect(IPv6Prefix.mask(63) == (0xffff_ffff_ffff_fffe, 0))
        #expect(IPv6Prefix.mask(64) == (UInt64.max, 0))
        #expect(IPv6Prefix.mask(65) == (UInt64.max, 0x8000_0000_0000_0000))
        #expect(IPv6Prefix.mask(127) == (UInt64.max, 0xffff_ffff_ffff_fffe))
        #expect(IPv6Prefix.mask(128) == (UInt64.max, UInt64.max))
        #expect(IPv6Prefix.mask(200) == (UInt64.max, UInt64.max))
    }

    @Test func lastAddressIsTheTopOfTheRange() throws {
        func last(_ text: String) throws -> String { try #require(IPv6Prefix(text)).lastAddress.description }
        #expect(try last("fd00:10:244:1::/64") == "fd00:10:244:1:ffff:ffff:ffff:ffff")
        #expect(try last("fd00:10:244::/56") == "fd00:10:244:ff:ffff:ffff:ffff:ffff")
        #expect(try last("fd00::/120") == "fd00::ff")
        #expect(try last("::/0") == "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")
        #expect(try last("fd00::1/128") == "fd00::1")
    }

    @Test func containsAddresses() throws {
        func a(_ text: String) throws -> IPv6Address { try #require(IPv6Address(text)) }
        let lease = try #require(IPv6Prefix("fd00:10:244:1::/64"))
        #expect(lease.contains(try a("fd00:10:244:1::")))
        #expect(lease.contains(try a("fd00:10:244:1:ffff:ffff:ffff:ffff")))
        #expect(!lease.contains(try a("fd00:10:244:2::")))
        #expect(!lease.contains(try a("fd00:10:244:0:ffff:ffff:ffff:ffff")))
        let narrow = try #require(IPv6Prefix("fd00::100/120"))
        #expect(narrow.contains(try a("fd00::1ff")))
        #expect(!narrow.contains(try a("fd00::200")))
        let everything = try #require(IPv6Prefix("::/0"))
        #expect(everything.contains(try a("::")))
        #expect(everything.contains(try a("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")))
        let host = try #require(IPv6Prefix("fd00::1/128"))
        #expect(host.contains(try a("fd00::1")))
        #expect(!host.contains(try a("fd00::2")))
    }

    @Test func containsAndOverlapsPrefixes() throws {
        func p(_ text: String) throws -> IPv6Prefix { try #require(IPv6Prefix(text)) }
        let cluster = try p("fd00:10:244::/56")
        #expect(cluster.contains(try p("fd00:10:244:1::/64")))
        #expect(cluster.contains(try p("fd00:10:244:ff::/64")))
        #expect(cluster.contains(cluster))
        #expect(!cluster.contains(try p("fd00:10::/32")), "a wider prefix is not inside a narrower one")
        #expect(!cluster.contains(try p("fd00:10:244:100::/64")))
        #expect(try p("::/0").contains(cluster))

        #expect(cluster.overlaps(try p("fd00:10:244:7::/64")))
        #expect(try p("fd00:10:244:7::/64").overlaps(cluster), "overlap is symmetric")
        #expect(!(try p("fd00:10:244:1::/64")).overlaps(try p("fd00:10:244:2::/64")))
        #expect(!(try p("fd00::/65")).overlaps(try p("fd00::8000:0:0:0/65")))
        #expect(try p("::/0").overlaps(try p("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128")))
    }

    @Test func ordersByAddressThenLength() throws {
        let sorted = try ["fd00:10:244:2::/64", "fd00:10:244::/64", "fd00:10:244::/56", "fd00:10:244:a::/64", "::/0"]
            .map { try #require(IPv6Prefix($0)) }.sorted().map(\.description)
        #expect(sorted == ["::/0", "fd00:10:244::/56", "fd00:10:244::/64", "fd00:10:244:2::/64", "fd00:10:244:a::/64"])
    }

    @Test func multicastRange() throws {
        #expect(IPv6Prefix.multicast.description == "ff00::/8")
        #expect(IPv6Prefix.multicast.contains(try #require(IPv6Address("ff02::1"))))
        #expect(!IPv6Prefix.multicast.contains(try #require(IPv6Address("fe80::1"))))
    }

    // MARK: - flannel's lease key (`10.244.1.0-24&fd00:10:244:1::-64`, the IPv6 half)

    @Test(arguments: [
        ("fd00:10:244:1::-64", "fd00:10:244:1::/64"), ("fd00:10:244:100::-56", "fd00:10:244:100::/56"),
        ("fd00::-8", "fd00::/8"), ("::-0", "::/0"), ("fd00::2-127", "fd00::2/127"), ("fd00:10:244:1::-064", "fd00:10:244:1::/64"),
        ("0:0:0:0:0:ffff:a00:0-104", "::ffff:10.0.0.0/104"),
    ])
    func readsTheIPv6HalfOfALeaseKey(key: String, prefix: String) throws {
        #expect(try #require(IPv6Prefix(leaseKey: key)) == IPv6Prefix(prefix))
    }

    @Test(arguments: [
        ("fd00:10:244:1::/64", "a slash for the dash"), ("fd00:10:244:1::", "no length"), ("fd00:10:244:1::-", "no length"),
        ("-64", "no address"), ("fd00:10:244:1::-128", "a length above flannel's 7 bits"), ("fd00::-1000", "four digits"),
        ("FD00:10:244:1::-64", "upper case, which flannel's pattern refuses"), ("::ffff:10.0.0.0-104", "a dotted tail"),
        ("fd00:10:244:1::1-64", "host bits"), ("fd00:10:244:1::-6a", "a length that is no number"),
        ("fd00:10:244:1::-+64", "a signed length"), ("fd00:10:244:1::--64", "two dashes"), ("fd00::1::-64", "two `::`"),
        ("10.244.1.0-24", "the IPv4 half"), ("10.244.1.0-24&fd00:10:244:1::-64", "the whole key"),
        (" fd00::-64", "a space"), ("fd00::-64 ", "a space"), ("fd00::%eth0-64", "a zone"),
    ])
    func refusesMalformedLeaseKeys(key: String, reason: String) {
        #expect(IPv6Prefix(leaseKey: key) == nil, "\(key) must not parse: \(reason)")
    }

    @Test(arguments: [
        ("fd00:10:244:1::/64", "fd00:10:244:1::-64"), ("::/0", "::-0"), ("fd00::2/127", "fd00::2-127"),
        ("::ffff:10.0.0.0/104", "::ffff:a00:0-104"), ("::1.2.3.0/120", "::102:300-120"),
        ("1:0:0:1::/64", "1:0:0:1::-64"),
    ])
    func writesTheIPv6HalfOfALeaseKey(prefix: String, key: String) throws {
        let parsed = try #require(IPv6Prefix(prefix))
        #expect(parsed.leaseKey == key)
        #expect(IPv6Prefix(leaseKey: key) == parsed)
    }

    /// Random prefixes: the strict parser reads back `description`, the key parser `leaseKey`;
    /// the prefix holds its first and last address and nothing just outside.
    @Test func roundTripsRandomPrefixes() throws {
        var random = SplitMix64(seed: 0x2026)
        for _ in 0..<20_000 {
            let address = IPv6AddressTests.randomAddress(&random)
            let length = UInt8(random.next() % 129)
            let prefix = IPv6Prefix(address: address, length: length)
            #expect(prefix.contains(address))
            #expect(IPv6Prefix(prefix.description) == prefix, "\(prefix)")
            if length <= 127 {
                #expect(IPv6Prefix(leaseKey: prefix.leaseKey) == prefix, "\(prefix.leaseKey)")
            }
            #expect(prefix.contains(prefix.lastAddress))
            if prefix.lastAddress != IPv6Address(high: .max, low: .max) {
                #expect(!prefix.contains(prefix.lastAddress.advanced(by: 1)), "\(prefix)")
            }
            if prefix.address != IPv6Address(high: 0, low: 0) {
                let before = IPv6Address(high: prefix.address.low == 0 ? prefix.address.high &- 1 : prefix.address.high, low: prefix.address.low &- 1)
                #expect(!prefix.contains(before), "\(prefix)")
            }
        }
    }
}
