import Foundation
import Glibc
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

    @Test("a directory, a FIFO or /dev/zero as --plan is refused by what it is")
    func planNotAFile() {
        #expect(planRefusal("/") == "/: is a directory, expected a regular file or - for standard input")
        #expect(planRefusal("/dev/zero") == "/dev/zero: is a character device, expected a regular file or - for standard input")
    }
}
