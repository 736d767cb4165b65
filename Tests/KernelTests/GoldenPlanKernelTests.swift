import Foundation
import NetState
import Planner
import StateJSON
import Testing

/// The golden `plan-*` cases are real: each case's `observed.json` is built in a throwaway
/// namespace (the node's underlay, `cni0`, the vxlan device with its entries, the foreign
/// routes, neighbours and nf_tables tables), its golden `plan.sh` runs there, and planning again
/// against that live kernel with the case's inputs finds nothing to do. The files were recorded
/// from the code; this is the kernel's word that they are right.
@Suite(.enabled(if: KernelTestEnvironment.isRoot, "needs root for network namespaces"))
struct GoldenPlanKernelTests {
    static let casesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Golden/Cases")

    static var cases: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: casesDirectory.path)) ?? [])
            .filter { $0.hasPrefix("plan-") }.sorted()
    }

    @Test func everyPlanCaseIsCovered() {
        #expect(Self.cases.count >= 7, "\(Self.cases)")
    }

    @Test(arguments: cases)
    func thePlanScriptConvergesTheObservedNode(_ name: String) throws {
        let directory = Self.casesDirectory.appendingPathComponent(name)
        let bytes = try Data(contentsOf: directory.appendingPathComponent("observed.json"))
        let snapshot = try Snapshot.decode(Array(bytes), path: "\(name)/observed.json")
        let node = (state: snapshot.state, facts: snapshot.facts)
        let address = try #require(node.facts.addresses.first, "\(name): the snapshot names no underlay address")
        let registry = NamespaceRegistry()
        defer { registry.deleteAll() }
        let namespace = RunNames.nextPrefix() + "plan"
        try NodeNamespace.create(
            registry, name: namespace, device: node.facts.underlay, address: address.description, gateway: nil
        )
        func inside(_ args: [String], check: Bool = true) throws -> CommandResult {
            try Shell.run(["ip", "netns", "exec", namespace] + args, check: check, timeout: 30)
        }
        for command in Self.setup(node.state, underlay: node.facts.underlay) {
            _ = try inside(["bash", "-c", command])
        }

        let script = try inside(["bash", directory.appendingPathComponent("plan.sh").path], check: false)
        #expect(script.status == 0, "\(name): plan.sh failed: \(script.stderr)")

        let inputs = try String(contentsOf: directory.appendingPathComponent("inputs"), encoding: .utf8)
            .split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
        var arguments: [String] = []
        var words = inputs.makeIterator()
        while let word = words.next() {
            if word == "--observed" { _ = words.next(); continue }
            arguments.append(word.hasPrefix("@") ? directory.appendingPathComponent(String(word.dropFirst())).path : word)
        }
        let again = try inside([ToolBinary.path, "plan"] + arguments + ["--detailed-exitcode"], check: false)
        #expect(again.status == 0, "\(name): planning again is not empty:\n\(again.stdout)\(again.stderr)")
    }

    /// Shell commands that make a fresh namespace hold `state`: devices first (a bridge for each
    /// device the snapshot names besides the underlay and the vxlan device), then the addresses
    /// behind its connected routes, the vxlan device and its entries, the other routes and the
    /// nf_tables tables, each in the words `plan -o script` uses.
    static func setup(_ state: NetworkState, underlay: String) -> [String] {
        var commands: [String] = []
        var devices = Set(state.routes.values.compactMap(\.device))
        devices.formUnion(state.neighbors.keys.map(\.device))
        devices.subtract([underlay, state.vxlan?.name].compactMap { $0 })
        for device in devices.sorted() {
            commands.append("ip link add \(device) type bridge && ip link set \(device) up")
        }
        // Connected routes are the kernel's: they come from an address on their device.
        for route in state.routes.values.sorted(by: { $0.key < $1.key }) where route.proto == .kernel {
            if let source = route.preferredSource, let device = route.device, device != underlay {
                commands.append("ip addr add \(source)/\(route.key.destination.length) dev \(device)")
            }
        }
        if let link = state.vxlan {
            commands += PlanScript.commands(for: .createLink(link))
            for address in link.addresses {
                commands += PlanScript.commands(for: .address(.create(DeviceAddress(device: link.name, address: address))))
            }
        }
        // A non-`self` FDB entry needs a bridge port to sit on; the snapshots' ones are foreign
        // and on other devices, so they change nothing the plan depends on.
        for entry in state.fdb.values.sorted(by: { $0.key < $1.key }) where entry.isSelf {
            commands += PlanScript.commands(for: .fdb(.create(entry)))
        }
        for neighbor in state.neighbors.values.sorted(by: { $0.key < $1.key }) {
            commands += PlanScript.commands(for: .neighbor(.create(neighbor)))
        }
        for route in state.routes.values.sorted(by: { $0.key < $1.key }) where route.proto != .kernel {
            commands += PlanScript.commands(for: .route(.create(route)))
        }
        for table in state.tables.values.sorted(by: { $0.key < $1.key }) {
            commands.append(PlanScript.commands(for: .table(.create(table))).joined(separator: "\n"))
        }
        return commands
    }
}
