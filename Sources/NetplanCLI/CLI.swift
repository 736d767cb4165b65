import ArgumentParser
import Desired
import Foundation
import Netlink
import Observed

/// A command that writes through a `Console` and returns its exit code, so the same code runs
/// in the binary and in golden tests.
protocol ConsoleCommand: ParsableCommand {
    func execute(_ console: Console) async throws -> Int32
}

extension ConsoleCommand {
    /// ArgumentParser's entry point is unused: `CLI.main` dispatches to `execute`.
    public func run() throws {}
}

public enum CLI {
    /// Parses `arguments`, runs the command, and returns the exit code: 0 success, 1 error
    /// (and 2 "changes present" for `plan --detailed-exitcode`, `reconcile --once`).
    public static func main(arguments: [String], console: Console = Console(passthrough: true)) async -> Int32 {
        do {
            var command = try NetplanFlannel.parseAsRoot(arguments)
            guard let runnable = command as? any ConsoleCommand else {
                // ArgumentParser's own commands (`help apply`, `--help`): running them throws the
                // clean exit that carries the help of the command asked about.
                try command.run()
                return 0
            }
            return try await runnable.execute(console)
        } catch let error as InputError {
            console.error("error: \(error)")
            return 1
        } catch let error as CommandFailure {
            console.error("error: \(error.message)")
            return error.exitCode
        } catch let error as NetlinkError {
            let denied = error.errno == EPERM || error.errno == EACCES
            console.error(
                "error: reading or changing the kernel failed: \(error)"
                    + (denied ? "\nhint: this needs CAP_NET_ADMIN (run as root), or plan offline with --observed SNAPSHOT" : "")
            )
            return 1
        } catch let error as Snapshot.Failure {
            console.error("error: \(error)")
            return 1
        } catch {
            let code = NetplanFlannel.exitCode(for: error)
            let message = NetplanFlannel.fullMessage(for: error)
            if code == .success {
                console.write(message + "\n")
            } else {
                console.error(message)
            }
            return code.rawValue
        }
    }
}

/// A failure the command has already worded for the operator.
struct CommandFailure: Error {
    var message: String
    var exitCode: Int32 = 1
}

public struct NetplanFlannel: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "netplan-flannel",
        abstract: "Plan and apply the data plane of a flannel node: routes, neighbours, FDB, vxlan device, MASQUERADE.",
        discussion: """
            Computes what flannel would program from the cluster's leases, reads what the kernel holds, \
            and prints or applies a minimal, ordered change plan.
            """,
        subcommands: [DesiredCommand.self, ObserveCommand.self, PlanCommand.self, ApplyCommand.self, CheckCommand.self, ReconcileCommand.self]
    )

    public init() {}
}
