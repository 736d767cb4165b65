import Foundation

/// The starting inputs: every JSON, YAML and `.env` file of the golden cases (net-confs,
/// ConfigMaps, the three lease formats, snapshots, plans, subnet.env files), the nf_tables dumps
/// captured from the kernel (`Tests/ObservedTests/Fixtures/*.hex`, as bytes), plus a few hostile
/// documents written here.
enum FuzzSeeds {
    static func load(corpus: String) -> [[UInt8]] {
        var seeds = builtIn
        let root = URL(fileURLWithPath: corpus)
        let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)
        var paths: [String] = []
        while let url = files?.nextObject() as? URL {
            if ["json", "yaml", "yml", "env"].contains(url.pathExtension) { paths.append(url.path) }
        }
        for path in paths.sorted() {
            if let data = FileManager.default.contents(atPath: path), data.count <= Mutator.maximumSize {
                seeds.append(Array(data))
            }
        }
        let fixtures = root.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("ObservedTests/Fixtures")
        let hexFiles = (try? FileManager.default.contentsOfDirectory(atPath: fixtures.path))?.filter { $0.hasSuffix(".hex") } ?? []
        for name in hexFiles.sorted() {
            guard let text = try? String(contentsOf: fixtures.appendingPathComponent(name), encoding: .utf8) else { continue }
            let bytes = hexBytes(text)
            if !bytes.isEmpty && bytes.count <= Mutator.maximumSize { seeds.append(bytes) }
        }
        return seeds
    }

    /// A hex fixture (one netlink message per line) as one buffer of messages.
    static func hexBytes(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var high: UInt8?
        for scalar in text.unicodeScalars {
            guard let digit = UInt8(String(scalar), radix: 16) else { continue }
            if let first = high {
                bytes.append(first << 4 | digit)
                high = nil
            } else {
                high = digit
            }
        }
        return bytes
    }

    static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    static let builtIn: [[UInt8]] = [
        """
        a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
        b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
        c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
        d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
        e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
        f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
        """,
        """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: kube-flannel-cfg
        data:
          net-conf.json: |
            {
              "Network": "10.244.0.0/16",
              "Backend": {"Type": "vxlan", "Comment": "a & b * c"}
            }
        """,
        #"{"Network": "10.244.0.0/16", "EnableIPv6": true, "IPv6Network": "fd00::/56", "Backend": {"Type": "host-gw"}}"#,
        // Dual-stack leases in the keyed format (etcd keys with flannel's `&` half) and in
        // etcdctl's, and a kubectl list with a dual-stack and an IPv6-only node.
        #"{"/coreos.com/network/subnets/10.244.1.0-24&fd00:10:244:1::-64": {"PublicIP":"192.168.64.11","PublicIPv6":"fd00:192:168:64::11","BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"6e:2c:7d:1b:8f:3a"},"BackendV6Data":{"VNI":1,"VtepMAC":"b2:4e:91:0a:c7:15"}}, "/coreos.com/network/subnets/10.244.2.0-24&fd00:10:244:2::-64": "{\"PublicIP\":\"192.168.64.12\",\"PublicIPv6\":\"fd00:192:168:64::12\",\"BackendType\":\"host-gw\"}"}"#,
        #"{"header":{"revision":57},"kvs":[{"key":"\#(base64("/coreos.com/network/subnets/10.244.1.0-24&fd00:10:244:1::-64"))","mod_revision":5,"value":"\#(base64(#"{"PublicIP":"192.168.64.11","PublicIPv6":"fd00:192:168:64::11","BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"6e:2c:7d:1b:8f:3a"},"BackendV6Data":{"VNI":1,"VtepMAC":"b2:4e:91:0a:c7:15"}}"#))"}],"count":1}"#,
        #"{"kind":"List","items":[\#(FuzzKubeSeeds.node(1, resourceVersion: 1, dualStack: true)),\#(FuzzKubeSeeds.node(2, resourceVersion: 2, ipv6Only: true))]}"#,
        "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_IPV6_NETWORK=fd00:10:244::/56\nFLANNEL_IPV6_SUBNET=fd00:10:244:1::1/64\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n",
        "FLANNEL_IPV6_NETWORK=fd00:10:244::/56\nFLANNEL_IPV6_SUBNET=fd00:10:244:1::1/64\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=false\n",
        String(repeating: "[", count: 600) + String(repeating: "]", count: 600),
        String(repeating: "- ", count: 300) + "x",
    ].map { Array($0.utf8) }
}
