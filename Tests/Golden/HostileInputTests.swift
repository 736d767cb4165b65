import Foundation
import Glibc
import StateJSON
import Testing

@testable import NetplanCLI

/// Bad inputs a golden `commands` line cannot make (a FIFO, a sparse file over its cap) or a
/// command cannot reach without root (`apply --plan`), run through `CLI.main` or
/// `PlanDocument.load` as the golden cases are. Their fixtures live in `Cases/errors`.
@Suite struct HostileInputTests {
    static let errors = GoldenCase.casesDirectory.appendingPathComponent("errors").path

    /// stderr and the exit code, as a golden error file holds them.
    private func run(_ arguments: [String]) async -> String {
        let console = Console(passthrough: false)
        let status = await CLI.main(arguments: arguments, console: console)
        return console.errors + "exit \(status)\n"
    }

    private func scratch() throws -> String {
        let path = NSTemporaryDirectory() + "hostile-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private func inputs(netConf: String = errors + "/net-conf.json", leases: String = errors + "/leases.json") -> [String] {
        ["--net-conf", netConf, "--leases", leases, "--node-ip", "172.22.0.11", "--iface", "eth0", "--on-link", "172.22.0.0/24"]
    }

    @Test("a FIFO as --net-conf, --leases or --observed is refused at once, never waited on")
    func fifo() async throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fifo = directory + "/fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        let refused = "error: \(fifo): is a FIFO, expected a regular file or - for standard input\nexit 1\n"
        #expect(await run(["desired"] + inputs(netConf: fifo)) == refused)
        #expect(await run(["desired"] + inputs(leases: fifo)) == refused)
        #expect(
            await run(["plan"] + inputs() + ["--observed", fifo])
                == "error: snapshot \(fifo): is a FIFO, expected a regular file or - for standard input\nexit 1\n")
    }

    @Test("a leases file over its cap is refused by its size, before it is read")
    func overCap() async throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let big = directory + "/leases.json"
        #expect(FileManager.default.createFile(atPath: big, contents: nil))
        #expect(truncate(big, 70_000_000) == 0)  // sparse: no disk, and no memory unless read
        #expect(
            await run(["desired"] + inputs(leases: big)) == "error: \(big): 70000000 bytes, over the 64 MiB cap for leases\nexit 1\n")
        #expect(
            await run(["desired"] + inputs(netConf: big))
                == "error: \(big): 70000000 bytes, over the 1 MiB cap for net-conf files\nexit 1\n")
    }

    private func planRefusal(_ path: String) -> String? {
        do {
            _ = try PlanDocument.load(path: path)
            return nil
        } catch let failure as CommandFailure {
            return failure.message
        } catch {
            return "\(error)"
        }
    }

    @Test("a truncated plan file says it ends early, naming the file")
    func truncatedPlan() {
        let path = Self.errors + "/plan-truncated.json"
        #expect(planRefusal(path) == "\(path): not a netplan-flannel plan: the JSON ends early at byte 1000")
    }

    @Test("a plan file without a field, or with a wrong one, names the field in plain words")
    func malformedPlan() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let source = GoldenCase.casesDirectory.appendingPathComponent("plan-empty-node/plan.json")
        var plan = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: source)) as? [String: Any])
        var changes = try #require(plan["changes"] as? [[String: Any]])
        changes[3].removeValue(forKey: "kind")
        plan["changes"] = changes
        let path = directory + "/plan.json"
        try JSONSerialization.data(withJSONObject: plan).write(to: URL(fileURLWithPath: path))
        #expect(planRefusal(path) == "\(path): not a netplan-flannel plan: missing field changes[3].kind")

        changes[3]["kind"] = "fdb"
        changes[3].removeValue(forKey: "after")
        plan["changes"] = changes
        try JSONSerialization.data(withJSONObject: plan).write(to: URL(fileURLWithPath: path))
        #expect(
            planRefusal(path) == "\(path): not a netplan-flannel plan: changes[3].action: create fdb needs before/after to match")

        plan["changes"] = "none"
        try JSONSerialization.data(withJSONObject: plan).write(to: URL(fileURLWithPath: path))
        #expect(planRefusal(path) == "\(path): not a netplan-flannel plan: changes: expected an array")

        try Data("{\"changes\": [1,]}".utf8).write(to: URL(fileURLWithPath: path))
        #expect(
            planRefusal(path)
                == "\(path): not a netplan-flannel plan: malformed JSON at line 1, column 16 (byte 15): expected a value, found ']'")
    }

    @Test("a directory, a FIFO or /dev/zero as --plan is refused by what it is")
    func planNotAFile() {
        #expect(planRefusal("/") == "/: is a directory, expected a regular file or - for standard input")
        #expect(planRefusal("/dev/zero") == "/dev/zero: is a character device, expected a regular file or - for standard input")
    }
}
