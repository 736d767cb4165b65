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

    @Test func whatFlannelWritesReadsWithTheIPv6LinesIgnored() throws {
        let env = try parse("""
            FLANNEL_NETWORK=10.244.0.0/16
            FLANNEL_SUBNET=10.244.1.1/24
            FLANNEL_IPV6_NETWORK=fd00:10:244::/56
            FLANNEL_IPV6_SUBNET=fd00:10:244:1::1/64
            FLANNEL_MTU=1450
            FLANNEL_IPMASQ=true

            """)
        #expect(env == SubnetEnvFile(
            network: IPv4Prefix("10.244.0.0/16")!, lease: IPv4Prefix("10.244.1.0/24")!, mtu: 1450, ipMasq: true
        ))
    }

    @Test func theToolsOwnRenderingReadsBack() throws {
        let written = SubnetEnv(network: IPv4Prefix("10.244.0.0/16")!, lease: IPv4Prefix("10.244.5.0/24")!, mtu: 1500, ipMasq: false)
        let env = try parse(written.description)
        #expect(env.lease == IPv4Prefix("10.244.5.0/24"))
        #expect(env.mtu == 1500 && env.ipMasq == false)
    }

    @Test func onlyTheNetworkIsRequiredAndUnknownKeysCommentsAndCRLFAreAccepted() throws {
        let env = try parse("# written by hand\r\nFLANNEL_NETWORK=10.0.0.0/8\r\nFLANNEL_FUTURE=x\r\n\r\n")
        #expect(env == SubnetEnvFile(network: IPv4Prefix("10.0.0.0/8")!))
    }

    @Test(arguments: [
        ("FLANNEL_SUBNET=10.244.1.1/24\n", "subnet.env: FLANNEL_NETWORK: missing: the cluster network is required"),
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
