import Foundation
import Testing

/// The routes in the desired state equal, line for line, the flannel routes of the `ip r`
/// tables the seed documents show (the lines inside the cluster CIDR that are not the node's
/// own `cni0`/`docker0` connected route).
@Suite struct SeedRouteTests {
    @Test(arguments: ["seed000-vxlan", "seed000-host-gw", "seed002-host-gw-ens3"])
    func desiredRoutesEqualTheSeedsIpRoute(_ name: String) throws {
        let directory = GoldenCase.casesDirectory.appendingPathComponent(name)
        let seed = try String(contentsOf: directory.appendingPathComponent("seed-ip-r.txt"), encoding: .utf8)
        let desired = try String(contentsOf: directory.appendingPathComponent("desired.txt"), encoding: .utf8)
        let seedRoutes = seed.split(separator: "\n").filter { line in
            (line.hasPrefix("10.244.") || line.hasPrefix("172.1.")) && !line.contains("proto kernel")
        }
        let desiredRoutes = section("route", of: desired)
        #expect(!seedRoutes.isEmpty)
        #expect(desiredRoutes == seedRoutes.map(String.init))
    }

    private func section(_ title: String, of text: String) -> [String] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let start = lines.firstIndex(of: "# \(title)") else { return [] }
        return Array(lines[(start + 1)...].prefix { !$0.isEmpty })
    }
}
