import Desired
import NetState
import Testing

/// flanneld's subnet.env read back as an input (issue 12): what flannel writes reads, anything
/// else is refused naming the file and the key.
@Suite struct SubnetEnvReaderTests {
    func parse(_ text: String) throws(InputError) -> SubnetEnvFile {
        try SubnetEnvReader.parse(Array(text.utf8), source: "subnet.env")
    }

    func refusal(_ text: String) -> String? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func whatFlannelWritesReadsWithBothFamilies() throws {
        // As v0.20.2 `main.go:490–508` writes a dual-stack node's file.
        let env = try parse("""
            FLANNEL_NETWORK=10.244.0.0/16
            FLANNEL_SUBNET=10.244.1.1/24
            FLANNEL_IPV6_NETWORK=fd00:10:244::/56
            FLANNEL_IPV6_SUBNET=fd00:10:244:1::1/64
            FLANNEL_MTU=1450
            FLANNEL_IPMASQ=true

            """)
        #expect(env == SubnetEnvFile(
            network: IPv4Prefix("10.244.0.0/16")!, lease: IPv4Prefix("10.244.1.0/24")!,
            ipv6Network: IPv6Prefix("fd00:10:244::/56"), ipv6Lease: IPv6Prefix("fd00:10:244:1::/64"), mtu: 1450, ipMasq: true
        ))
        #expect(env.networksDescription == "FLANNEL_NETWORK 10.244.0.0/16, FLANNEL_IPV6_NETWORK fd00:10:244::/56")
    }

    @Test func anIPv6OnlyNodesFileHasNoIPv4Lines() throws {
        let env = try parse("FLANNEL_IPV6_NETWORK=fd00:10:244::/56\nFLANNEL_IPV6_SUBNET=fd00:10:244:3::1/64\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=false\n")
        #expect(env == SubnetEnvFile(
            network: nil, ipv6Network: IPv6Prefix("fd00:10:244::/56"), ipv6Lease: IPv6Prefix("fd00:10:244:3::/64"), mtu: 1450,
            ipMasq: false))
        #expect(env.networksDescription == "FLANNEL_IPV6_NETWORK fd00:10:244::/56")
    }

    /// What `SubnetEnv` writes (the tool's `-o subnet-env`, flannel's layout) reads back as the
    /// networks and leases it was written from, for each family set flannel can run.
    @Test(arguments: [
        (IPv4Prefix("10.244.0.0/16"), IPv4Prefix("10.244.5.0/24"), nil, nil),
        (IPv4Prefix("10.244.0.0/16"), IPv4Prefix("10.244.5.0/24"), IPv6Prefix("fd00:10:244::/56"), IPv6Prefix("fd00:10:244:5::/64")),
        (nil, nil, IPv6Prefix("fd00:10:244::/56"), IPv6Prefix("fd00:10:244:ff::/64")),
        (IPv4Prefix("172.16.0.0/12"), IPv4Prefix("172.31.255.252/30"), IPv6Prefix("2001:db8::/32"), IPv6Prefix("2001:db8:ffff:ffff::/64")),
    ] as [(IPv4Prefix?, IPv4Prefix?, IPv6Prefix?, IPv6Prefix?)])
    func theToolsOwnRenderingReadsBack(network: IPv4Prefix?, lease: IPv4Prefix?, network6: IPv6Prefix?, lease6: IPv6Prefix?) throws {
        let written = SubnetEnv(network: network, lease: lease, ipv6Network: network6, ipv6Lease: lease6, mtu: 1450, ipMasq: false)
        let env = try parse(written.description)
        #expect(env == SubnetEnvFile(network: network, lease: lease, ipv6Network: network6, ipv6Lease: lease6, mtu: 1450, ipMasq: false))
    }

    @Test func onlyTheNetworkIsRequiredAndUnknownKeysCommentsAndCRLFAreAccepted() throws {
        let env = try parse("# written by hand\r\nFLANNEL_NETWORK=10.0.0.0/8\r\nFLANNEL_FUTURE=x\r\n\r\n")
        #expect(env == SubnetEnvFile(network: IPv4Prefix("10.0.0.0/8")!))
    }

    @Test(arguments: [
        ("FLANNEL_MTU=1450\n", "subnet.env: FLANNEL_NETWORK: missing: the cluster network is required (FLANNEL_IPV6_NETWORK alone on an IPv6-only node)"),
        ("FLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_IPV6_NETWORK=fd00:10:244::/56\n", "subnet.env: FLANNEL_NETWORK: missing: FLANNEL_SUBNET 10.244.1.0/24 needs its network"),
        ("FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_IPV6_SUBNET=fd00:10:244:1::1/64\n",
         "subnet.env: FLANNEL_IPV6_NETWORK: missing: FLANNEL_IPV6_SUBNET fd00:10:244:1::/64 needs its network"),
        ("FLANNEL_IPV6_NETWORK=fd00:10:244::/129\n", #"subnet.env: FLANNEL_IPV6_NETWORK: "fd00:10:244::/129" is not an IPv6 network (CIDR)"#),
        ("FLANNEL_IPV6_NETWORK=fd00:10:244::1/56\n", #"subnet.env: FLANNEL_IPV6_NETWORK: "fd00:10:244::1/56" is not an IPv6 network (CIDR)"#),
        ("FLANNEL_IPV6_NETWORK=::/0\n", #"subnet.env: FLANNEL_IPV6_NETWORK: "::/0" is not an IPv6 network (CIDR)"#),
        ("FLANNEL_IPV6_NETWORK=10.244.0.0/16\n", #"subnet.env: FLANNEL_IPV6_NETWORK: "10.244.0.0/16" is not an IPv6 network (CIDR)"#),
        ("FLANNEL_IPV6_NETWORK=fd00:10:244::/56\nFLANNEL_IPV6_SUBNET=10.244.1.1/24\n",
         #"subnet.env: FLANNEL_IPV6_SUBNET: "10.244.1.1/24" is not an IPv6 address with a prefix length (fd00:10:244:1::1/64)"#),
        ("FLANNEL_IPV6_NETWORK=fd00:10:244::/56\nFLANNEL_IPV6_SUBNET=fd00:10:245:1::1/64\n",
         "subnet.env: FLANNEL_IPV6_SUBNET: fd00:10:245:1::/64 is outside FLANNEL_IPV6_NETWORK fd00:10:244::/56"),
        ("FLANNEL_IPV6_NETWORK=fd00:10:244::/56\nFLANNEL_IPV6_SUBNET=fd00:10:244::1/48\n",
         "subnet.env: FLANNEL_IPV6_SUBNET: fd00:10:244::/48 is outside FLANNEL_IPV6_NETWORK fd00:10:244::/56"),
        ("FLANNEL_IPV6_NETWORK=fd00:10:244::/56\nFLANNEL_IPV6_NETWORK=fd00:10:244::/56\n", "subnet.env: FLANNEL_IPV6_NETWORK: given twice"),
        ("FLANNEL_NETWORK=10.244.0.0/33\n", #"subnet.env: FLANNEL_NETWORK: "10.244.0.0/33" is not an IPv4 network (CIDR)"#),
        ("FLANNEL_NETWORK=0.0.0.0/0\n", #"subnet.env: FLANNEL_NETWORK: "0.0.0.0/0" is not an IPv4 network (CIDR)"#),
        ("FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1\n",
         #"subnet.env: FLANNEL_SUBNET: "10.244.1.1" is not an IPv4 address with a prefix length (10.244.1.1/24)"#),
        ("FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.9.1.1/24\n",
         "subnet.env: FLANNEL_SUBNET: 10.9.1.0/24 is outside FLANNEL_NETWORK 10.244.0.0/16"),
        ("FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_MTU=4294967295\n",
         #"subnet.env: FLANNEL_MTU: "4294967295" is not an MTU (68 to 65535)"#),
        ("FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_MTU= 1450\n", #"subnet.env: FLANNEL_MTU: " 1450" is not an MTU (68 to 65535)"#),
        ("FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_IPMASQ=yes\n", #"subnet.env: FLANNEL_IPMASQ: "yes" is not true or false"#),
        ("FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_NETWORK=10.0.0.0/8\n", "subnet.env: FLANNEL_NETWORK: given twice"),
        ("FLANNEL_NETWORK=10.244.0.0/16\nexport PATH\n", "subnet.env: line 2: expected KEY=VALUE"),
    ])
    func badInputIsRefusedNamingTheFileAndTheKey(text: String, message: String) {
        #expect(refusal(text) == message)
    }

    @Test func notUTF8AndHugeValuesAreRefusedWithoutEchoingThem() {
        #expect(throws: InputError.self) { try SubnetEnvReader.parse([0xff, 0xfe, 0x3d], source: "subnet.env") }
        let long = refusal("FLANNEL_NETWORK=" + String(repeating: "9", count: 10_000) + "\n") ?? ""
        #expect(long.count < 200, "the value is cut in the message")
    }
}
