import NetState

/// NetState's address parsers, specialised for the contiguous UTF-8 of a `String`.
///
/// `IPv4Address.init?(_: some StringProtocol)` and `MACAddress.init?(_: some StringProtocol)` are
/// generic and not `@inlinable`, so from this module they run unspecialised: a witness-table call
/// per byte, 4–7% of a converged plan at 5,000 leases. These apply the very same rules (kept
/// identical, and checked against NetState's parsers by `InputTextParsingTests`) to the bytes
/// directly; text that is not contiguous UTF-8 goes to NetState's parsers. Once NetState's parsers
/// are `@inlinable` these can go.
enum InputTextParsing {
    /// `IPv4Address(text)`.
    static func ipv4Address(_ text: some StringProtocol) -> IPv4Address? {
        if let parsed = text.utf8.withContiguousStorageIfAvailable({ ipv4Address(bytes: $0) }) { return parsed }
        return IPv4Address(text)
    }

    /// `MACAddress(text)`.
    static func macAddress(_ text: some StringProtocol) -> MACAddress? {
        if let parsed = text.utf8.withContiguousStorageIfAvailable({ macAddress(bytes: $0) }) { return parsed }
        return MACAddress(text)
    }

    /// Dotted quad, strictly: four decimal octets, no empty parts, no leading zeros beyond a
    /// lone `0` (NetState's rules).
    static func ipv4Address(bytes: UnsafeBufferPointer<UInt8>) -> IPv4Address? {
        var result: UInt32 = 0
        var octet: UInt32 = 0
        var digits = 0
        var octets = 0
        var leadingZero = false
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if leadingZero { return nil }
                if digits == 0 && byte == UInt8(ascii: "0") { leadingZero = true }
                octet = octet * 10 + UInt32(byte &- UInt8(ascii: "0"))
                digits += 1
                guard digits <= 3, octet <= 255 else { return nil }
            case UInt8(ascii: "."):
                guard digits > 0, octets < 3 else { return nil }
                result = result << 8 | octet
                octets += 1
                octet = 0
                digits = 0
                leadingZero = false
            default:
                return nil
            }
        }
        guard digits > 0, octets == 3 else { return nil }
        return IPv4Address(result << 8 | octet)
    }

    /// `aa:bb:cc:dd:ee:ff`, also with `-`, any case; two hex digits per part (NetState's rules).
    static func macAddress(bytes: UnsafeBufferPointer<UInt8>) -> MACAddress? {
        guard bytes.count == 17 else { return nil }
        var result: UInt64 = 0
        var separator: UInt8 = 0
        for (position, byte) in bytes.enumerated() {
            if position % 3 == 2 {
                guard byte == UInt8(ascii: ":") || byte == UInt8(ascii: "-"), separator == 0 || separator == byte
                else { return nil }
                separator = byte
            } else {
                let nibble: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = byte - UInt8(ascii: "A") + 10
                default: return nil
                }
                result = result << 4 | UInt64(nibble)
            }
        }
        return MACAddress(result)
    }
}
