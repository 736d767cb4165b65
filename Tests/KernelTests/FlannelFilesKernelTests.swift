import Foundation
import Testing

/// On a flannel node the inputs default to flanneld's own files (issue 12): `observe` with only
/// flanneld's `subnet.env` (and no net-conf file) works, taking the VNI from the live device,
/// and `plan` with just the leases finds the node converged.
@Suite(.enabled(if: KernelTestEnvironment.isRoot, "needs root for network namespaces"))
struct FlannelFilesKernelTests {
    /// seed000's subnet.env for node 172.22.0.239, byte for byte what flanneld writes.
    static let subnetEnv = ToolBinary.goldenCases.appendingPathComponent("seed000-vxlan/subnet.env").path
    static let leases = ToolBinary.goldenCases.appendingPathComponent("seed000-vxlan/leases.json").path
    static let absent = "/nonexistent/kube-flannel/net-conf.json"

    @Test func observeNeedsOnlySubnetEnv() throws {
        let node = try ObservePlanKernelTests.Node()
        let result = try node.tool(["observe", "--net-config-path", Self.absent, "--subnet-file", Self.subnetEnv], check: false)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "# net-conf: \(Self.subnetEnv) (FLANNEL_NETWORK 10.244.0.0/16); backend vxlan, VNI 1 from the live flannel.1")
        #expect(lines.contains("# leases: none"))
        #expect(lines.contains { $0.hasPrefix("flannel.1 address 0e:4c:8b:10:00:01 mtu 1450 qlen 0 type vxlan id 1") })
        #expect(lines.contains("10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink"))
        // The own subnet comes from FLANNEL_SUBNET even without leases: cni0's route is not listed.
        #expect(!lines.contains { $0.hasPrefix("10.244.0.0/24") })
    }

    @Test func planWithOnlyTheLeasesFindsTheNodeConverged() throws {
        let node = try ObservePlanKernelTests.Node()
        let result = try node.tool(
            ["plan", "--net-config-path", Self.absent, "--subnet-file", Self.subnetEnv, "--leases", Self.leases, "--detailed-exitcode"],
            check: false
        )
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("No changes."))
        #expect(result.stdout.hasPrefix("netplan-flannel plan for node 172.22.0.239: lease 10.244.0.0/24, backend vxlan\n"))
    }

    @Test func withNeitherFileTheErrorSaysWhatWasLookedFor() throws {
        let node = try ObservePlanKernelTests.Node()
        let result = try node.tool(["observe", "--net-config-path", Self.absent, "--subnet-file", "/nonexistent/subnet.env"], check: false)
        #expect(result.status == 1)
        #expect(result.stderr.contains("no --net-conf given, and neither \(Self.absent) nor /nonexistent/subnet.env exists"))
    }

    /// subnet.env does not say `EnableNFTables`: the mode is the node's. After the node was
    /// switched to flannel's nf_tables mode, a plan from subnet.env alone finds it converged
    /// (it does not plan the table away and the iptables rules back), and says why.
    @Test func withOnlySubnetEnvTheModeIsTheNodes() throws {
        let node = try ObservePlanKernelTests.Node()
        let netConf = FileManager.default.temporaryDirectory.appendingPathComponent("\(node.namespace)-nft.json").path
        defer { try? FileManager.default.removeItem(atPath: netConf) }
        try #"{"Network": "10.244.0.0/16", "EnableNFTables": true, "Backend": {"Type": "vxlan"}}"#
            .write(toFile: netConf, atomically: true, encoding: .utf8)
        let switched = try node.tool(["apply", "--net-conf", netConf, "--leases", Self.leases, "--node-ip", "172.22.0.239"], check: false)
        #expect(switched.status == 0, "\(switched.stdout)\(switched.stderr)")
        #expect(switched.stdout.contains("+ nft table ip flannel-ipv4"))
        let result = try node.tool(
            ["plan", "--net-config-path", Self.absent, "--subnet-file", Self.subnetEnv, "--leases", Self.leases, "--detailed-exitcode"],
            check: false
        )
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("# mode: nf_tables (the node holds table ip flannel-ipv4 and none of flannel's iptables rules)"))
    }
}

