import Glibc
import NetState
import TestSupport
import Testing

@Suite struct IPv6AddressTests {
    @Test(arguments: [
        ("::", UInt64(0), UInt64(0)),
        ("::1", 0, 1),
        ("1::", 0x0001_0000_0000_0000, 0),
        ("fd00:10:244:1::", 0xfd00_0010_0244_0001, 0),
        ("fd00:10:244:1::1", 0xfd00_0010_0244_0001, 1),
        ("2001:db8::ff00:42:8329", 0x2001_0db8_0000_0000, 0x0000_ff00_0042_8329),
        ("fe80::9c5d:e0ff:fe3a:1b2c", 0xfe80_0000_0000_0000, 0x9c5d_e0ff_fe3a_1b2c),
        ("1:2:3:4:5:6:7:8", 0x0001_0002_0003_0004, 0x0005_0006_0007_0008),
        ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", UInt64.max, UInt64.max),
        ("::ffff:10.244.1.7", 0, 0xffff_0af4_0107),
        ("64:ff9b::c000:201", 0x0064_ff9b_0000_0000, 0xc000_0201),
    ])
    func parsesAndPrintsCanonicalText(text: String, high: UInt64, low: UInt64) throws {
        let address = try #require(IPv6Address(text))
        #expect(address == IPv6Address(high: high, low: low))
        #expect(address.description == text)
        #expect(IPv6Address(address.description) == address)
    }

    /// Every spelling RFC 4291 allows, printed back in RFC 5952's one form.
    @Test(arguments: [
        ("FD00:10:244:1::", "fd00:10:244:1::"), // hex in any case
        ("Fd00:0010:0244:0001:0000:0000:0000:0000", "fd00:10:244:1::"), // leading zeros, no `::`
        ("0:0:0:0:0:0:0:1", "::1"),
        ("0000:0000:0000:0000:0000:0000:0000:0000", "::"),
        ("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"), // `::` for a single group is accepted, never printed
        ("::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"),
        ("1:0::0:1", "1::1"),
        ("::ffff:0a00:0001", "::ffff:10.0.0.1"),
        ("0:0:0:0:0:ffff:10.0.0.1", "::ffff:10.0.0.1"), // the dotted tail without `::`
        ("1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"),
        ("1:2:3:4:5::1.2.3.4", "1:2:3:4:5:0:102:304"),
        ("64:ff9b::192.0.2.1", "64:ff9b::c000:201"), // dotted only where glibc prints it
        ("::0.0.0.0", "::"),
        ("::0.0.1.2", "::102"),
    ])
    func acceptsEverySpelling(text: String, canonical: String) throws {
        let address = try #require(IPv6Address(text), "\(text) must parse")
        #expect(address.description == canonical)
        #expect(IPv6Address(canonical) == address)
    }

    /// glibc's `inet_ntop` (iproute2's printer) as checked on glibc 2.36: RFC 5952 plus its
    /// dotted tails, which RFC 5952 leaves to the IPv4-mapped form only.
    @Test(arguments: [
        ("1:0:0:1:0:0:1:0", "1::1:0:0:1:0"), // equal runs: the first is compressed
        ("0:0:1:0:0:1:0:0", "::1:0:0:1:0:0"),
        ("1:0:0:0:1:0:0:0", "1::1:0:0:0"),
        ("1:0:0:1:0:0:0:1", "1:0:0:1::1"), // the longest run, not the first
        ("1:0:2:0:3:0:4:0", "1:0:2:0:3:0:4:0"), // a lone zero group is never `::`
        ("0:1:0:0:0:0:0:0", "0:1::"),
        ("0:ffff:0:0:0:0:0:0", "0:ffff::"),
        ("0:0:0:0:0:ffff:0:0", "::ffff:0.0.0.0"), // IPv4-mapped, even of 0.0.0.0
        ("0:0:0:0:0:ffff:0:1", "::ffff:0.0.0.1"),
        ("0:0:0:0:0:0:102:304", "::1.2.3.4"), // IPv4-compatible with a non-zero seventh group
        ("0:0:0:0:0:0:102:0", "::1.2.0.0"),
        ("0:0:0:0:0:0:1:0", "::0.1.0.0"),
        ("0:0:0:0:0:0:0:102", "::102"), // … but a zero seventh group is just hex
        ("0:0:0:0:0:0:0:ffff", "::ffff"),
        ("0:0:0:0:ffff:0:102:304", "::ffff:0:102:304"), // SIIT's ::ffff:0:0:0/96 stays hex
        ("0:0:0:0:0:fffe:102:304", "::fffe:102:304"),
        ("0:0:0:0:0:ffff:ffff:0", "::ffff:255.255.0.0"),
        ("0:0:0:0:ffff:ffff:0:0", "::ffff:ffff:0:0"),
        ("0:0:0:1:0:0:0:0", "0:0:0:1::"), // the later, longer run
    ])
    func printsAsGlibcDoes(text: String, canonical: String) throws {
        let address = try #require(IPv6Address(text))
        #expect(address.description == canonical)
        #expect(address.description == glibcText(address))
        #expect(IPv6Address(canonical) == address)
    }

    @Test(arguments: [
        ("", "empty"), (":", "a lone colon"), (":::", "three colons"), ("1:::2", "three colons"),
        ("1::2::3", "two `::`"), ("::1::", "two `::`"),
        (":1::", "a lone leading colon"), (":1:2:3:4:5:6:7:8", "a lone leading colon"),
        ("1::2:", "a lone trailing colon"), ("1:2:3:4:5:6:7:8:", "a lone trailing colon"),
        ("1:2:3:4:5:6:7", "seven groups without `::`"), ("1:2:3:4:5:6:7:8:9", "nine groups"),
        ("1:2:3:4::5:6:7:8", "`::` standing for no group"), ("1:2:3:4:5:6:7:8::", "`::` standing for no group"),
        ("12345::", "five hex digits"), ("00000::1", "five hex digits"), ("::1:fffff", "five hex digits"),
        ("g::1", "not hex"), ("0x1::", "not hex"), ("+1::", "a sign"), ("-1::", "a sign"), ("::-1", "a sign"),
        ("fe80::1%eth0", "a zone"), ("fe80::1%1", "a zone"), ("[::1]", "brackets"),
        ("::1/128", "a prefix length"), (" ::1", "a space"), ("::1 ", "a space"), ("::1\n", "a newline"),
        ("ｆｅ80::1", "non-ASCII hex"), ("١::", "non-ASCII digits"),
        ("1.2.3.4", "a bare IPv4 address"), ("::1.2.3", "a short dotted tail"),
        ("::1.2.3.4.5", "a long dotted tail"), ("::01.2.3.4", "a leading zero in the dotted tail"),
        ("::1.2.3.04", "a leading zero in the dotted tail"), ("::256.1.1.1", "an octet above 255"),
        ("::ffff:1.2.3.4:1", "groups after the dotted tail"), ("::1.2.3.4::", "groups after the dotted tail"),
        ("1:2:3:4:5:1.2.3.4", "a dotted tail in the wrong place"),
        ("1:2:3:4:5:6:7:1.2.3.4", "a dotted tail past the eighth group"),
        ("1:2:3:4:5:6::1.2.3.4", "`::` standing for no group"),
        ("::a.2.3.4", "hex in the dotted tail"), ("::.1.2.3", "an empty octet"), ("::1..2.3", "an empty octet"),
        ("::1.2.3.4.", "a trailing dot"), ("::1234.1.1.1", "an octet above 255"),
    ])
    func refusesMalformedText(text: String, reason: String) {
        #expect(IPv6Address(text) == nil, "\(text.debugDescription) must not parse: \(reason)")
        #expect(glibcAddress(text) == nil, "inet_pton refuses \(text.debugDescription) too: \(reason)")
    }

    @Test func bytesRoundTripInNetworkOrder() throws {
        let bytes: [UInt8] = [0xfd, 0x00, 0x00, 0x10, 0x02, 0x44, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0x12, 0x34]
        let address = try #require(IPv6Address(bytes: bytes))
        #expect(address == IPv6Address("fd00:10:244:1::1234"))
        #expect(address.bytes == bytes)
        #expect(IPv6Address(bytes: [UInt8](repeating: 0, count: 15)) == nil)
        #expect(IPv6Address(bytes: [UInt8](repeating: 0, count: 17)) == nil)
        #expect(IPv6Address(bytes: [UInt8](repeating: 0xff, count: 16)) == IPv6Address(high: .max, low: .max))
    }

    @Test func groupsAndMappedIPv4() throws {
        let address = IPv6Address(0xfd00, 0x10, 0x244, 1, 0, 0, 0xabcd, 0x1234)
        #expect(address == IPv6Address("fd00:10:244:1::abcd:1234"))
        #expect((0..<8).map { address.group($0) } == [0xfd00, 0x10, 0x244, 1, 0, 0, 0xabcd, 0x1234])
        let mapped = IPv6Address(mapping: IPv4Address(10, 244, 1, 7))
        #expect(mapped.description == "::ffff:10.244.1.7")
        #expect(mapped.mappedIPv4 == IPv4Address(10, 244, 1, 7))
        #expect(try #require(IPv6Address("::10.244.1.7")).mappedIPv4 == nil, "IPv4-compatible is not mapped")
        #expect(try #require(IPv6Address("1::ffff:10.244.1.7")).mappedIPv4 == nil)
    }

    @Test func ordersNumerically() throws {
        let texts = ["fd00:10:244:a::", "fd00:10:244:2::", "::1", "fd00:10:244:1::", "fd00:10:244:1::1", "ff02::1"]
        let sorted = try texts.map { try #require(IPv6Address($0)) }.sorted().map(\.description)
        #expect(sorted == ["::1", "fd00:10:244:1::", "fd00:10:244:1::1", "fd00:10:244:2::", "fd00:10:244:a::", "ff02::1"])
    }

    @Test func advancesAcrossTheHalvesAndWraps() {
        #expect(IPv6Address(high: 1, low: 0).advanced(by: 1) == IPv6Address(high: 1, low: 1))
        #expect(IPv6Address(high: 1, low: .max).advanced(by: 1) == IPv6Address(high: 2, low: 0))
        #expect(IPv6Address(high: .max, low: .max).advanced(by: 2) == IPv6Address(high: 0, low: 1))
    }

    @Test(arguments: [
        ("::", "the unspecified address ::"), ("::1", "the loopback address ::1"),
        ("ff02::1", "in ff00::/8 (multicast)"), ("ff05::1:3", "in ff00::/8 (multicast)"),
        ("fe80::1", "in fe80::/10 (link-local)"), ("febf:ffff::1", "in fe80::/10 (link-local)"),
        ("::ffff:10.0.0.1", "in ::ffff:0:0/96 (IPv4-mapped)"), ("::ffff:0.0.0.0", "in ::ffff:0:0/96 (IPv4-mapped)"),
        ("::10.0.0.1", "in ::/96 (IPv4-compatible, deprecated)"), ("::2", "in ::/96 (IPv4-compatible, deprecated)"),
    ])
    func refusesNonUnicastAddresses(text: String, reason: String) throws {
        #expect(try #require(IPv6Address(text)).nonUnicastReason == reason)
    }

    @Test(arguments: [
        "2001:db8::1", "fd00:10:244:1::1", "fc00::1", "fec0::1", "fe7f::1", "fec0::", "1::", "::1:0:0:0",
        "::1:ffff:1.2.3.4", "64:ff9b::10.0.0.1", "2a01:4f8::ffff:1",
    ])
    func acceptsUnicastAddresses(text: String) throws {
        #expect(try #require(IPv6Address(text)).nonUnicastReason == nil, "\(text) is a unicast address")
    }

    /// Random addresses, most with runs of zero groups (the cases RFC 5952 is about) and many in
    /// the IPv4-mapped and IPv4-compatible ranges: `description` is glibc's `inet_ntop` text, and
    /// every spelling of the address parses back as `inet_pton` parses it.
    @Test func printsAndParsesAsGlibcForRandomAddresses() throws {
        var random = SplitMix64(seed: 0x1976)
        for _ in 0..<20_000 {
            let address = Self.randomAddress(&random)
            let printed = address.description
            #expect(printed == glibcText(address), "\(address.bytes)")
            #expect(IPv6Address(printed) == address, "\(printed)")
            for text in Self.spellings(of: address, &random) {
                #expect(glibcAddress(text) == address, "inet_pton reads \(text) as \(address)")
                #expect(IPv6Address(text) == address, "\(text) must parse as \(printed)")
            }
        }
    }

    /// Mutated spellings (a character inserted, dropped, doubled or replaced, from an alphabet
    /// of what addresses are made of and what they are confused with): accepted exactly when
    /// `inet_pton` accepts, with the same value.
    @Test func refusesWhatGlibcRefusesForMutatedText() {
        var random = SplitMix64(seed: 0x4291)
        let alphabet = Array(":::...0123456789abcdefABCDEFgx%/-[] ")
        var accepted = 0
        for _ in 0..<50_000 {
            let spellings = Self.spellings(of: Self.randomAddress(&random), &random)
            var text = Array(random.pick(spellings))
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let index = Int.random(in: 0...text.count, using: &random)
                let character = random.pick(alphabet)
                switch random.next() % 4 {
                case 0: text.insert(character, at: index)
                case 1 where index < text.count: text.remove(at: index)
                case 2 where index < text.count: text.insert(text[index], at: index)
                case 3 where index < text.count: text[index] = character
                default: break
                }
            }
            let mutated = String(text)
            let expected = glibcAddress(mutated)
            #expect(IPv6Address(mutated) == expected, "\(mutated.debugDescription): inet_pton says \(expected.map(\.description) ?? "invalid")")
            if expected != nil { accepted += 1 }
        }
        #expect(accepted > 1_000, "enough mutations stay valid to test acceptance too (\(accepted))")
    }

    // MARK: - Random addresses and their spellings

    static func randomAddress(_ random: inout SplitMix64) -> IPv6Address {
        let ipv4 = UInt64(random.next() & 0xffff_ffff)
        switch random.next() % 8 {
        case 0: return IPv6Address(high: 0, low: 0xffff_0000_0000 | (random.chance(0.2) ? 0 : ipv4)) // IPv4-mapped
        case 1: return IPv6Address(high: 0, low: random.chance(0.5) ? ipv4 : ipv4 & 0xffff) // IPv4-compatible
        case 2: return IPv6Address(high: random.next(), low: random.next())
        default:
            // Each group zero half the time, else small, 0xffff or random: many runs, many ties.
            var groups = [UInt16]()
            for _ in 0..<8 {
                let choices: [UInt16] = [1, 0xffff, UInt16(truncatingIfNeeded: random.next()), UInt16(random.next() % 16)]
                groups.append(random.chance(0.5) ? 0 : random.pick(choices))
            }
            return IPv6Address(groups[0], groups[1], groups[2], groups[3], groups[4], groups[5], groups[6], groups[7])
        }
    }

    /// The canonical text, all eight groups in full with leading zeros in either case, every
    /// other placement of `::` over a zero run, and the dotted tail.
    static func spellings(of address: IPv6Address, _ random: inout SplitMix64) -> [String] {
        let groups = (0..<8).map { address.group($0) }
        func hex(_ group: UInt16) -> String {
            let text = String(group, radix: 16)
            let padded = random.chance(0.3) ? String(repeating: "0", count: 4 - text.count) + text : text
            return random.chance(0.3) ? padded.uppercased() : padded
        }
        var texts = [address.description, groups.map { hex($0) }.joined(separator: ":")]
        // `::` over any run of zero groups (one group included), not only the longest.
        for start in 0..<8 where groups[start] == 0 {
            var end = start
            while end < 8 && groups[end] == 0 {
                end += 1
                if random.chance(0.5) { break }
            }
            texts.append(groups[..<start].map { hex($0) }.joined(separator: ":") + "::" + groups[end...].map { hex($0) }.joined(separator: ":"))
        }
        let dotted = "\(groups[6] >> 8).\(groups[6] & 0xff).\(groups[7] >> 8).\(groups[7] & 0xff)"
        texts.append(groups[..<6].map { hex($0) }.joined(separator: ":") + ":" + dotted)
        return texts
    }
}

/// glibc's text for an address (`inet_ntop`), what iproute2 prints.
func glibcText(_ address: IPv6Address) -> String {
    let bytes = address.bytes
    var buffer = [CChar](repeating: 0, count: 64)
    let written = bytes.withUnsafeBytes { inet_ntop(AF_INET6, $0.baseAddress, &buffer, socklen_t(buffer.count)) }
    return written == nil ? "<inet_ntop failed>" : String(cString: buffer)
}

/// glibc's reading of a text (`inet_pton`), nil when it refuses it.
func glibcAddress(_ text: String) -> IPv6Address? {
    var bytes = [UInt8](repeating: 0, count: 16)
    return inet_pton(AF_INET6, text, &bytes) == 1 ? IPv6Address(bytes: bytes) : nil
}
