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

    @Test func familyIsPartOfTheKeysButNotOfIPv4Order() throws {
        let prefix = try #require(IPv4Prefix("10.244.1.0/24"))
        let inet = Route.Key(destination: prefix)
        #expect(inet.family == .inet)
        #expect(inet != Route.Key(family: .inet6, destination: prefix))
        #expect(Set([inet, Route.Key(family: .inet6, destination: prefix)]).count == 2)
        let ip = IPv4Address(10, 244, 1, 0)
        #expect(Neighbor.Key(device: "flannel.1", ip: ip) != Neighbor.Key(device: "flannel.1", family: .inet6, ip: ip))
        // The family fills padding: keys are sorted and hashed by the ten thousand.
        #expect(MemoryLayout<Route.Key>.size == 16)
    }
}
