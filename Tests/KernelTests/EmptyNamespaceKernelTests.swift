import Foundation
import Testing

/// A node whose main routing table does not exist yet: a fresh namespace, loopback down, no
/// route ever added. The kernel answers a route dump filtered to table main with ENOENT ("FIB
/// table does not exist"); that is an empty table, and `observe` must say so, not fail.
@Suite(.enabled(if: KernelTestEnvironment.isRoot, "needs root for network namespaces"))
struct EmptyNamespaceKernelTests {
    @Test func observeTreatsAMissingMainTableAsEmpty() throws {
        let registry = NamespaceRegistry()
        defer { registry.deleteAll() }
        let namespace = RunNames.nextPrefix() + "fresh"
        try registry.create(namespace)
        // The precondition the test is about: no main table in this namespace.
        let routes = try Shell.run(["ip", "-n", namespace, "-j", "route", "show", "table", "main"], check: false)
        #expect(!routes.stdout.contains("dst"), "the fresh namespace already holds routes: \(routes.stdout)")

        let directory = ToolBinary.goldenCases.appendingPathComponent("seed000-vxlan")
        let result = try Shell.run(
            ["ip", "netns", "exec", namespace, ToolBinary.path, "observe",
             "--net-conf", directory.appendingPathComponent("net-conf.json").path,
             "--leases", directory.appendingPathComponent("leases.json").path, "--iface", "lo"],
            check: false
        )
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stderr.isEmpty)
        #expect(result.stdout.hasPrefix("# net-conf: \(directory.appendingPathComponent("net-conf.json").path)\n# leases: "))
        #expect(result.stdout.contains("\n# underlay lo mtu "))
        #expect(result.stdout.hasSuffix("# nothing owned is present\n"))
    }
}
