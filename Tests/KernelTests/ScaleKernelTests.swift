import Foundation
import Testing

/// Scale correctness: at 20,000 vxlan peers (60,000 objects, batches far larger than any socket
/// buffer) one `apply` from an empty node installs everything, and planning again is empty.
@Suite(.enabled(if: KernelTestEnvironment.isRoot, "needs root for network namespaces"))
struct ScaleKernelTests {
    @Test func twentyThousandPeersApplyThenPlanIsEmpty() throws {
        let peers = 20_000
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("npf-scale-\(getpid())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let generator = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/gen-cluster")
        try Shell.run([generator.path, String(peers + 1), directory.path])

        let registry = NamespaceRegistry()
        defer { registry.deleteAll() }
        let namespace = RunNames.nextPrefix() + "scale"
        try NodeNamespace.create(registry, name: namespace, address: "172.16.0.1/12", gateway: "172.16.0.254")
        func inside(_ args: [String], check: Bool = true) throws -> CommandResult {
            try Shell.run(["ip", "netns", "exec", namespace] + args, check: check, timeout: 300)
        }
        let inputs = [
            "--net-conf", directory.appendingPathComponent("net-conf.json").path,
            "--leases", directory.appendingPathComponent("leases.json").path, "--node-ip", "172.16.0.1",
        ]
        let applied = try inside([ToolBinary.path, "apply"] + inputs, check: false)
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(applied.stdout.contains("Apply complete: \(3 * peers + 4) added, 0 changed, 0 destroyed."))

        let again = try inside([ToolBinary.path, "plan", "--detailed-exitcode"] + inputs, check: false)
        #expect(again.status == 0, "\(again.stdout.suffix(400))\(again.stderr)")
        let routes = try inside(["ip", "route", "show", "dev", "flannel.1"]).stdout.split(separator: "\n").count
        let neighbours = try inside(["ip", "neigh", "show", "dev", "flannel.1", "nud", "permanent"]).stdout
            .split(separator: "\n").count
        let fdb = try inside(["bridge", "fdb", "show", "dev", "flannel.1"]).stdout.split(separator: "\n")
            .filter { $0.contains(" dst ") }.count
        #expect(routes == peers)
        #expect(neighbours == peers)
        #expect(fdb == peers)
    }
}
