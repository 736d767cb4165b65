import NetState
import Testing

@testable import Desired

@Suite("NetConfReader: net-conf.json and the kube-flannel-cfg ConfigMap")
struct NetConfReaderTests {
    private func parse(_ text: String, source: String = "net-conf.json") throws(InputError) -> NetConf {
        try NetConfReader.parse(text.bytes, source: source)
    }

    @Test("the seed's net-conf.json reads with flannel's defaults")
    func seedNetConf() throws {
        let conf = try parse("""
            {
              "Network": "10.244.0.0/16",
              "Backend": {
                "Type": "vxlan"
              }
            }
            """)
        #expect(conf == NetConf(network: try #require(IPv4Prefix("10.244.0.0/16")), backend: .init(type: .vxlan)))
        #expect(conf.backend.vni == 1)
        #expect(conf.backend.port == 0)
        #expect(conf.backend.mtu == nil)
        #expect(conf.enableIPv4 && !conf.enableIPv6)
        #expect(!conf.enableNFTables, "flannel's default: iptables mode")
        #expect(conf.vxlanDeviceName == "flannel.1")
    }

    @Test("every accepted key is read")
    func everyKey() throws {
        let conf = try parse("""
            {"Network": "10.244.0.0/16", "SubnetLen": 25, "SubnetMin": "10.244.1.0", "SubnetMax": "10.244.200.0",
             "EnableIPv4": true, "EnableIPv6": true, "IPv6Network": "fd00:10:244::/56", "IPv6SubnetLen": 72,
             "IPv6SubnetMin": "fd00:10:244:0:100::", "IPv6SubnetMax": "fd00:10:244:ff:ff00::", "EnableNFTables": true,
             "Backend": {"Type": "vxlan", "VNI": 4096, "Port": 4789, "DirectRouting": true, "MTU": 9000,
                         "GBP": true, "Learning": false}}
            """)
        let expected = NetConf(
            network: try #require(IPv4Prefix("10.244.0.0/16")), subnetLen: 25, enableIPv4: true, enableIPv6: true,
            ipv6Network: try #require(IPv6Prefix("fd00:10:244::/56")), ipv6SubnetLen: 72, enableNFTables: true,
            backend: .init(type: .vxlan, vni: 4096, port: 4789, directRouting: true, mtu: 9000, gbp: true))
        #expect(conf == expected)
        #expect(conf.vxlanDeviceName == "flannel.4096")
        #expect(conf.vxlan6DeviceName == "flannel-v6.4096")
        #expect(conf.families == [.inet, .inet6])
        #expect(conf.ipv6LeaseLength == 72)
    }

    @Test("keys match case-insensitively, as Go's encoding/json matches them; the Type value too")
    func caseInsensitiveKeys() throws {
        let conf = try parse("""
            {"network": "10.244.0.0/16", "SUBNETLEN": 24, "enableipv6": false,
             "BACKEND": {"type": "VXLAN", "vni": 2, "PORT": 8472, "directrouting": true, "mtu": 1400, "Gbp": true}}
            """)
        #expect(conf.network == IPv4Prefix("10.244.0.0/16"))
        #expect(conf.subnetLen == 24)
        #expect(conf.backend == .init(type: .vxlan, vni: 2, port: 8472, directRouting: true, mtu: 1400, gbp: true))
        // The Kelvin sign folds to k, as Go's simple folding does: "bac\u{212A}end" is "Backend".
        let kelvin = try parse(#"{"Network": "10.244.0.0/16", "Bac\#u{212A}end": {"Type": "host-gw"}}"#)
        #expect(kelvin.backend.type == .hostGW)
    }

    @Test("of keys equal but for case, the last wins (Go's behaviour)")
    func lastDuplicateWins() throws {
        let conf = try parse(#"{"Network": "10.1.0.0/16", "network": "10.244.0.0/16", "Backend": {"Type": "host-gw"}}"#)
        #expect(conf.network == IPv4Prefix("10.244.0.0/16"))
        #expect(conf.backend.type == .hostGW)
    }

    @Test("unknown keys and null values are ignored, as flannel ignores them")
    func unknownKeysIgnored() throws {
        let conf = try parse("""
            {"Network": "10.244.0.0/16", "IPv6SubnetLen": 64, "Comment": ["anything", {"goes": 1}],
             "SubnetLen": null, "Backend": {"Type": "host-gw", "MacPrefix": "0E-2A", "VNI": null}}
            """)
        #expect(conf == NetConf(network: try #require(IPv4Prefix("10.244.0.0/16")), backend: .init(type: .hostGW)))
    }

    @Test("SubnetLen 0 and MTU 0 mean flannel's default")
    func zeroMeansDefault() throws {
        let conf = try parse(#"{"Network": "10.244.0.0/16", "SubnetLen": 0, "Backend": {"Type": "vxlan", "MTU": 0}}"#)
        #expect(conf.subnetLen == nil)
        #expect(conf.backend.mtu == nil)
    }

    @Test("the kube-flannel-cfg ConfigMap as `kubectl -o yaml` prints it")
    func configMapYAML() throws {
        let conf = try parse(InputFixtures.configMapYAML, source: "kube-flannel-cfg.yaml")
        #expect(conf == NetConf(network: try #require(IPv4Prefix("10.244.0.0/16")), backend: .init(type: .vxlan)))
    }

    @Test("the kube-flannel-cfg ConfigMap as `kubectl -o json` prints it")
    func configMapJSON() throws {
        let conf = try parse(InputFixtures.configMapJSON, source: "kube-flannel-cfg.json")
        #expect(conf == NetConf(network: try #require(IPv4Prefix("10.244.0.0/16")), backend: .init(type: .hostGW)))
    }

    @Test("a ConfigMap without `kind` is recognised by its data.net-conf.json")
    func configMapWithoutKind() throws {
        let conf = try parse(#"{"data": {"net-conf.json": "{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}"}}"#)
        #expect(conf.backend.type == .vxlan)
    }

    @Test("a ConfigMap in YAML with the net-conf as a quoted one-line string")
    func configMapYAMLQuoted() throws {
        let yaml = """
            kind: ConfigMap
            apiVersion: v1
            metadata: {name: kube-flannel-cfg, namespace: kube-system}
            data:
              net-conf.json: '{"Network": "10.244.0.0/16", "Backend": {"Type": "host-gw"}}'
            """
        #expect(try parse(yaml, source: "cm.yaml").backend.type == .hostGW)
    }
}
