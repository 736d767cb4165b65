import NetState
import Testing

/// The byte writer behind every listing must print numbers, addresses and MACs exactly as
/// the standard library and iproute2 do.
@Suite struct TextBufferTests {
    @Test func decimalsMatchTheStandardLibrary() {
        var edges: [UInt64] = [0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 4_294_967_295, 4_294_967_296, UInt64.max, UInt64.max - 1]
        var random = SystemRandomNumberGenerator()
        for _ in 0..<5_000 { edges.append(random.next() >> UInt64.random(in: 0..<64, using: &random)) }
        for value in edges {
            var text = TextBuffer()
            text.append(decimal: value)
            #expect(text.string == String(value))
        }
        for value in [Int.min, -1_000_001, -10, -1, 0, 7, Int.max] {
            var text = TextBuffer()
            text.append(decimal: value)
            #expect(text.string == String(value))
        }
        var byte = TextBuffer()
        byte.append(decimal: UInt8(255))
        #expect(byte.string == "255")
    }

    @Test func hexBytesAreTwoLowerCaseDigits() {
        for value in 0...255 {
            var text = TextBuffer()
            text.append(hexByte: UInt8(value))
            let expected = (value < 16 ? "0" : "") + String(value, radix: 16)
            #expect(text.string == expected)
        }
    }

    @Test func addressesAndMACsPrintAsIproute2() {
        var random = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let value = UInt32.random(in: 0...UInt32.max, using: &random)
            let octets = [value >> 24, (value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff].map { String($0) }
            #expect(IPv4Address(value).description == octets.joined(separator: "."))
            let mac = UInt64.random(in: 0..<(1 << 48), using: &random)
            let bytes = (0..<6).map { index -> String in
                let byte = Int((mac >> (40 - 8 * UInt64(index))) & 0xff)
                return (byte < 16 ? "0" : "") + String(byte, radix: 16)
            }
            #expect(MACAddress(mac).description == bytes.joined(separator: ":"))
        }
        #expect(IPv4Prefix(address: IPv4Address(10, 244, 3, 0), length: 24).description == "10.244.3.0/24")
    }

    @Test func textOfAnyKindIsKeptByteForByte() {
        var text = TextBuffer(capacity: 4)
        text.append("dev ")
        text.append("flännel.1")
        text.append(ascii: UInt8(ascii: " "))
        let word: StaticString = "onlink"
        text.append(word)
        #expect(text.string == "dev flännel.1 onlink")
        #expect(text.count == "dev flännel.1 onlink".utf8.count)
        var string = "route: "
        string.append(text)
        #expect(string == "route: dev flännel.1 onlink")
    }
}
