import NetState
import Testing

@Suite struct IPv4AddressTests {
    @Test(arguments: [
        ("0.0.0.0", UInt32(0)),
        ("10.244.1.0", UInt32(0x0af4_0100)),
        ("192.168.1.11", UInt32(0xc0a8_010b)),
        ("255.255.255.255", UInt32.max),
        ("1.0.0.0", UInt32(0x0100_0000)),
    ])
    func parsesAndPrintsDottedQuad(text: String, value: UInt32) throws {
        let address = try #require(IPv4Address(text))
        #expect(address.value == value)
        #expect(address.description == text)
        #expect(IPv4Address(address.description) == address)
    }

    @Test(arguments: [
        "010.1.1.1", "1.2.3.04", "00.1.2.3", // leading zeros: Go's net.ParseIP refuses them
        "1.2.3", "1.2.3.4.5", "1.2.3.", ".1.2.3", "1..2.3", "", // wrong shape
        "256.0.0.1", "1.2.3.256", "1000.1.1.1", // out of range
        " 1.2.3.4", "1.2.3.4 ", "+1.2.3.4", "-1.2.3.4", "1.2.3.4/32", "a.b.c.d", "1.2.3.0x4", "١.٢.٣.٤",
    ])
    func refusesMalformedText(text: String) {
        #expect(IPv4Address(text) == nil, "\(text) must not parse")
    }

    @Test func octetsAreInNetworkOrder() {
        #expect(IPv4Address(10, 244, 1, 7).octets == [10, 244, 1, 7])
        #expect(IPv4Address(10, 244, 1, 7) == IPv4Address("10.244.1.7"))
    }

    @Test func ordersNumerically() throws {
        let texts = ["10.244.10.0", "10.244.2.0", "9.255.255.255", "10.244.1.0"]
        let sorted = try texts.map { try #require(IPv4Address($0)) }.sorted().map(\.description)
        #expect(sorted == ["9.255.255.255", "10.244.1.0", "10.244.2.0", "10.244.10.0"])
    }

    @Test func advancesAndWraps() {
        #expect(IPv4Address(10, 244, 1, 0).advanced(by: 1) == IPv4Address(10, 244, 1, 1))
        #expect(IPv4Address(10, 244, 1, 255).advanced(by: 1) == IPv4Address(10, 244, 2, 0))
        #expect(IPv4Address(UInt32.max).advanced(by: 1) == IPv4Address(0))
    }
}
