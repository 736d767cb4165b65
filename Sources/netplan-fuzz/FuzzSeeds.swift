import Foundation

/// The starting inputs: every JSON, YAML and `.env` file of the golden cases (net-confs,
/// ConfigMaps, the three lease formats, snapshots, plans, subnet.env files), plus a few hostile
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
        return seeds
    }

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
        String(repeating: "[", count: 600) + String(repeating: "]", count: 600),
        String(repeating: "- ", count: 300) + "x",
    ].map { Array($0.utf8) }
}
