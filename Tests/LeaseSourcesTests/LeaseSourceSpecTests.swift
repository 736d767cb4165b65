import Desired
@testable import LeaseSources
import Testing

struct LeaseSourceSpecTests {
    @Test func aPathIsAFile() throws {
        #expect(try LeaseSourceSpec.parse("/etc/leases.json") == .file(path: "/etc/leases.json"))
        #expect(try LeaseSourceSpec.parse("-") == .file(path: "-"))
    }

    @Test func etcdWithDefaultPrefix() throws {
        #expect(try LeaseSourceSpec.parse("etcd://127.0.0.1:2379") == .etcd(
            endpoints: [EtcdEndpoint(host: "127.0.0.1", port: 2379)], prefix: "/coreos.com/network"
        ))
    }

    @Test func etcdWithSeveralEndpointsAndAPrefix() throws {
        #expect(try LeaseSourceSpec.parse("etcd://10.0.0.1:2379,etcd-2.example:2379,[fd00::1]:2379/my/net/") == .etcd(
            endpoints: [
                EtcdEndpoint(host: "10.0.0.1", port: 2379), EtcdEndpoint(host: "etcd-2.example", port: 2379),
                EtcdEndpoint(host: "fd00::1", port: 2379),
            ],
            prefix: "/my/net"
        ))
    }

    @Test(arguments: ["etcd://", "etcd://host", "etcd://host:0", "etcd://host:99999", "etcd://:2379", "etcd://a:1,,b:2"])
    func badEndpointsAreRefused(_ text: String) {
        #expect(throws: LeaseSourceError.self) { try LeaseSourceSpec.parse(text) }
    }
}
