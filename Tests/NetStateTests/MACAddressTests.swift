import NetState
import Testing

@Suite struct MACAddressTests {
    @Test(arguments: [
        "12:c6:65:89:b4:e3", "12:C6:65:89:B4:E3", "12-c6-65-89-b4-e3", "12-C6-65-89-B4-E3",
    ])
    func parsesColonsOrDashesInAnyCase(text: String) throws {
        let mac = try #require(MACAddress(text))
        #expect(mac.value == 0x12c6_6589_b4e3)
        #expect(mac.description == "12:c6:65:89:b4:e3", "printed lower-case with colons, as iproute2 does")
    }

    @Test func printsLeadingZeros() {
        #expect(MACAddress(0x0001_0203_0a0b).description == "00:01:02:03:0a:0b")
        #expect(MACAddress(0).description == "00:00:00:00:00:00")
        #expect(MACAddress(UInt64.max).description == "ff:ff:ff:ff:ff:ff", "only 48 bits are kept")
    }

    @Test(arguments: [
        "", "12:c6:65:89:b4", "12:c6:65:89:b4:e3:00", "12:c6:65:89:b4:g3", "1:c6:65:89:b4:e3", "012:c6:65:89:b4:e3",
        "12:c6:65:89:b4:e", "12-c6:65:89:b4:e3", "12:c6:65:89:b4:e3:", "12c6.6589.b4e3", " 12:c6:65:89:b4:e3",
        "12::65:89:b4:e3",
    ])
    func refusesMalformedText(text: String) {
        #expect(MACAddress(text) == nil, "\(text) must not parse")
    }

    /// `UInt8("+a", radix: 16)` is 10: a sign must not slip through as a hex digit.
    @Test(arguments: ["+a:bb:cc:dd:ee:ff", "12:+6:65:89:b4:e3", "12:c6:65:89:b4:-3", "ｆｆ:bb:cc:dd:ee:ff", "0x:bb:cc:dd:ee:ff"])
    func refusesSignsAndNonASCIIDigits(text: String) {
        #expect(MACAddress(text) == nil, "\(text) must not parse")
    }

    @Test func bytesRoundTrip() throws {
        let bytes: [UInt8] = [0x9e, 0x11, 0x22, 0x33, 0x44, 0x55]
        let mac = try #require(MACAddress(bytes: bytes))
        #expect(mac.bytes == bytes)
        #expect(mac == MACAddress("9e:11:22:33:44:55"))
        #expect(MACAddress(bytes: [1, 2, 3]) == nil)
        #expect(MACAddress(bytes: [UInt8](repeating: 0, count: 7)) == nil)
    }
}
