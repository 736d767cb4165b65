import Foundation
import NetState

/// NetState's IPv6 text parsers, checked against glibc (issue 14): `IPv6Address` accepts exactly
/// what `inet_pton(AF_INET6, …)` accepts, with the same value, and prints what `inet_ntop`
/// prints; a prefix or a lease key that parses reads back from its own text.
enum FuzzAddresses {
    static let seeds = [
        "fd00:10:244:1::", "::", "::1", "1:2:3:4:5:6:7:8", "::ffff:10.244.1.7", "::1.2.3.4", "64:ff9b::192.0.2.1",
        "1:0:0:1:0:0:1:0", "FE80::9C5D:E0FF:FE3A:1B2C", "1:2:3:4:5:6:7::", "0000:0000:0000:0000:0000:ffff:0102:0304",
        "fd00:10:244::/56", "fd00:10:244:1::-64", "::ffff:a00:0-104", "fe80::1%eth0", "[::1]",
    ]

    static func ipv6(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        let address = IPv6Address(text)
        // inet_pton reads a C string: a NUL (or a byte that is no UTF-8, decoded to U+FFFD) ends
        // or changes the text it sees, so the comparison is over inputs that are their own text.
        if !bytes.contains(0) && Array(text.utf8) == bytes {
            var reference = [UInt8](repeating: 0, count: 16)
            let accepted = inet_pton(AF_INET6, text, &reference) == 1
            FuzzCheck.require(
                address == (accepted ? IPv6Address(bytes: reference) : nil),
                "IPv6Address(\(text.debugDescription)) is \(address.map(\.description) ?? "nil"), inet_pton \(accepted ? "accepts" : "refuses") it")
        }
        if let address {
            var buffer = [CChar](repeating: 0, count: 64)
            let printed = address.bytes.withUnsafeBytes { inet_ntop(AF_INET6, $0.baseAddress, &buffer, socklen_t(buffer.count)) }
            FuzzCheck.require(printed != nil && address.description == String(cString: buffer), "\(address) is \(String(cString: buffer)) to inet_ntop")
            FuzzCheck.require(IPv6Address(address.description) == address, "\(address) does not read back")
        }
        if let prefix = IPv6Prefix(text, strict: false) {
            FuzzCheck.require(IPv6Prefix(prefix.description) == prefix, "the prefix \(prefix) does not read back")
        }
        if let key = IPv6Prefix(leaseKey: text) {
            FuzzCheck.require(IPv6Prefix(leaseKey: key.leaseKey) == key, "the lease key \(key.leaseKey) does not read back")
        }
        return address != nil
    }
}
