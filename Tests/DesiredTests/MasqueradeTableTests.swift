import NetState
import Testing

@testable import Desired

@Suite struct MasqueradeTableTests {
    typealias F = DesiredFixture
    static let lease = F.prefix("10.244.1.0/24")

    @Test func iptablesEquivalentRules() throws {
        let table = try #require(MasqueradeTable.table(cluster: F.network, lease: Self.lease, ipMasq: true, fullyRandom: true))
        #expect(table.key == NftTable.Key(family: .ip, name: "flannel-ipv4"))
        #expect(table.chains.map(\.name) == ["postrtg", "forward"])
        let postrtg = table.chains[0]
        #expect(postrtg.hook == NftChain.Hook(type: "nat", hook: "postrouting", priority: 100, policyAccept: true))
        #expect(postrtg.rules.map(\.description) == [
            "meta mark & 0x00004000 == 0x00004000 return",
            "ip saddr 10.244.1.0/24 ip daddr 10.244.0.0/16 return",
            "ip saddr 10.244.0.0/16 ip daddr 10.244.1.0/24 return",
            "ip saddr != 10.244.0.0/16 ip daddr 10.244.1.0/24 return",
            "ip saddr 10.244.0.0/16 ip daddr != 224.0.0.0/4 masquerade fully-random",
            "ip saddr != 10.244.0.0/16 ip daddr 10.244.0.0/16 masquerade fully-random",
        ])
        let forward = table.chains[1]
        #expect(forward.hook == NftChain.Hook(type: "filter", hook: "forward", priority: 0))
        #expect(forward.rules.map(\.description) == ["ip saddr 10.244.0.0/16 accept", "ip daddr 10.244.0.0/16 accept"])
    }

    @Test func listsAsTheGoldenFilesShowIt() throws {
        let table = try #require(MasqueradeTable.table(cluster: F.network, lease: Self.lease, ipMasq: true, fullyRandom: true))
        #expect(table.description == """
            table ip flannel-ipv4 {
            \tcomment "rules for flannel-ipv4"
            \tchain postrtg {
            \t\tcomment "chain to manage traffic masquerading by flannel"
            \t\ttype nat hook postrouting priority srcnat; policy accept;
            \t\tmeta mark & 0x00004000 == 0x00004000 return
            \t\tip saddr 10.244.1.0/24 ip daddr 10.244.0.0/16 return
            \t\tip saddr 10.244.0.0/16 ip daddr 10.244.1.0/24 return
            \t\tip saddr != 10.244.0.0/16 ip daddr 10.244.1.0/24 return
            \t\tip saddr 10.244.0.0/16 ip daddr != 224.0.0.0/4 masquerade fully-random
            \t\tip saddr != 10.244.0.0/16 ip daddr 10.244.0.0/16 masquerade fully-random
            \t}

            \tchain forward {
            \t\tcomment "chain to accept flannel traffic"
            \t\ttype filter hook forward priority filter; policy accept;
            \t\tip saddr 10.244.0.0/16 accept
            \t\tip daddr 10.244.0.0/16 accept
            \t}
            }
            """)
    }

    @Test func withoutIPMasqOnlyForwardRemains() throws {
        let table = try #require(MasqueradeTable.table(cluster: F.network, lease: Self.lease, ipMasq: false, fullyRandom: true))
        #expect(table.chains.map(\.name) == ["forward"])
        #expect(table.comment == MasqueradeTable.tableComment)
    }

    @Test func fullyRandomCanBeTurnedOff() throws {
        let table = try #require(MasqueradeTable.table(cluster: F.network, lease: Self.lease, ipMasq: true, fullyRandom: false))
        let verdicts = table.chains[0].rules.map(\.verdict)
        #expect(verdicts.filter { $0 == .masquerade(fullyRandom: false) }.count == 2)
        #expect(!verdicts.contains(.masquerade(fullyRandom: true)))
    }

    @Test func podTrafficInsideTheClusterIsNeverMasqueraded() throws {
        // Walk the chain as the kernel would for a few packets: first matching rule wins.
        let table = try #require(MasqueradeTable.table(cluster: F.network, lease: Self.lease, ipMasq: true, fullyRandom: true))
        func verdict(_ source: IPv4Address, _ destination: IPv4Address, mark: UInt32 = 0) -> NftVerdict {
            for rule in table.chains[0].rules {
                let matches = rule.matches.allSatisfy { match in
                    switch match {
                    case let .mark(mask, value): mark & mask == value
                    case let .sourceAddress(prefix, negated): prefix.contains(source) != negated
                    case let .destinationAddress(prefix, negated): prefix.contains(destination) != negated
                    default: false
                    }
                }
                if matches { return rule.verdict }
            }
            return .accept
        }
        let localPod = F.ip("10.244.1.5"), remotePod = F.ip("10.244.3.9"), internet = F.ip("8.8.8.8"), host = F.ip("192.168.1.11")
        #expect(verdict(localPod, remotePod) == .return)
        #expect(verdict(remotePod, localPod) == .return)
        #expect(verdict(F.ip("10.244.2.5"), remotePod) == .masquerade(fullyRandom: true) || verdict(F.ip("10.244.2.5"), remotePod) == .return)
        #expect(verdict(localPod, internet) == .masquerade(fullyRandom: true))
        #expect(verdict(localPod, F.ip("239.1.1.1")) == .accept, "multicast is left alone")
        #expect(verdict(host, localPod) == .return)
        #expect(verdict(host, remotePod) == .masquerade(fullyRandom: true))
        #expect(verdict(localPod, internet, mark: 0x4001) == .return, "kube-proxy's packets are its own")
    }
}
