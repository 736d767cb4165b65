import Glibc
import NetState
import Testing

/// NetState imports nothing, so it writes the kernel's family numbers out; they must be the C
/// constants the codecs send.
@Suite struct AddressFamilyTests {
    @Test func rawValuesAreTheKernelsConstants() {
        #expect(AddressFamily.inet.rawValue == UInt8(AF_INET))
        #expect(AddressFamily.inet6.rawValue == UInt8(AF_INET6))
    }

    @Test func familyIsPartOfTheKeysAndIPv4SortsFirst() throws {
        let prefix = try #require(IPv4Prefix("10.244.1.0/24"))
        // The same 16 bytes' worth of prefix in IPv6 clothing is another route.
        let mapped = IPv6Prefix(address: IPv6Address(mapping: prefix.address), length: 120)
        let inet = Route.Key(destination: prefix)
        let inet6 = Route.Key(destination: mapped)
        #expect(inet.family == .inet)
        #expect(inet6.family == .inet6)
        #expect(inet != inet6)
        #expect(Set([inet, inet6]).count == 2)
        #expect(inet < inet6 && !(inet6 < inet))
        let ip = IPv4Address(10, 244, 1, 0)
        let ip6 = IPAddress.v6(IPv6Address(mapping: ip))
        #expect(Neighbor.Key(device: "flannel.1", ip: ip) != Neighbor.Key(device: "flannel.1", ip: ip6))
        #expect(Neighbor.Key(device: "flannel.1", ip: ip6).family == .inet6)
        // IPv4 keys keep `ip route`'s order: by address, then length, then metric.
        let keys = ["10.244.2.0/24", "10.244.1.0/25", "10.244.1.0/24", "0.0.0.0/0"].compactMap { IPv4Prefix($0) }
            .map { Route.Key(destination: $0) }
        #expect(keys.sorted().map { "\($0.destination)" } == ["0.0.0.0/0", "10.244.1.0/24", "10.244.1.0/25", "10.244.2.0/24"])
    }
}
