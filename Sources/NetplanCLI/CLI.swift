import ArgumentParser
import BuildInfo
import Desired
import Foundation
import Netlink
import Observed
import StateJSON

/// A command that writes through a `Console` and returns its exit code, so the same code runs
/// in the binary and in golden tests.
protocol ConsoleCommand: ParsableCommand {
    func execute(_ console: Console) async throws -> Int32
}

extension ConsoleCommand {
    /// ArgumentParser's entry point is not this tool's: `CLI.main` dispatches to `execute`, with
    /// the console, the exit codes and the error texts of the contract. Reaching `run()` means
    /// the command was started another way (`NetplanFlannel.main()`), which would otherwise do
    /// nothing and exit 0; it fails instead, saying what to call.
    public func run() throws {
        throw EntryPointError(command: Self._commandName)
    }
}

/// A command run through ArgumentParser's `main()` instead of `CLI.main(arguments:)`.
struct EntryPointError: Error, CustomStringConvertible {
    var command: String

    var description: String {
        "\(command): run netplan-flannel commands through CLI.main(arguments:) (as the netplan-flannel binary does), not ParsableCommand.main()"
    }
}

/// A command that runs start to finish on the calling thread: every command but `reconcile`.
/// The binary runs these without entering Swift concurrency, so a one-shot `observe` or `plan`
/// never waits for a thread hop, which on a busy node can cost more than the command's work.
protocol SynchronousCommand: ConsoleCommand {
    func executeSynchronously(_ console: Console) throws -> Int32
}

extension SynchronousCommand {
    func execute(_ console: Console) async throws -> Int32 { try executeSynchronously(console) }
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
        } catch {
            return status(for: error, console: console)
        }
    }

    /// `main` for the commands that need no concurrency, run on the calling thread; nil when
    /// the command needs it (`reconcile`), and then the caller runs `main`.
    public static func mainSynchronously(arguments: [String], console: Console = Console(passthrough: true)) -> Int32? {
        do {
            var command = try NetplanFlannel.parseAsRoot(arguments)
            if let runnable = command as? any SynchronousCommand { return try runnable.executeSynchronously(console) }
            guard command is any ConsoleCommand else {
                try command.run()
                return 0
            }
            return nil
        } catch {
            return status(for: error, console: console)
        }
    }

    /// Reports `error` on the console and returns the exit code it stands for.
    private static func status(for error: any Error, console: Console) -> Int32 {
        switch error {
        case let error as InputError:
            console.error("error: \(error)")
            return 1
        case let error as CommandFailure:
            console.error("error: \(error.message)")
            return error.exitCode
        case let error as NetlinkError:
            let denied = error.errno == EPERM || error.errno == EACCES
            console.error(
                "error: reading or changing the kernel failed: \(error)"
                    + (denied ? "\nhint: this needs CAP_NET_ADMIN (run as root), or plan offline with --observed SNAPSHOT" : "")
            )
            return 1
        case let error as Snapshot.Failure:
            console.error("error: \(error)")
            return 1
        default:
            // ArgumentParser's errors: help and version are clean exits (0, on stdout); usage
            // and validation errors carry 64 (EX_USAGE), but the contract is 1 for any error,
            // usage errors included (scripts test `$? -eq 1`; 2 only ever means "changes").
            let code = NetplanFlannel.exitCode(for: error)
            let message = NetplanFlannel.fullMessage(for: error)
            if code == .success {
                console.write(message + "\n")
                return 0
            }
            console.error(message)
            return code == .validationFailure ? 1 : code.rawValue
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
        // `--version`: `netplan-flannel 0.1.0 (commit 8a1192f8e1b9)` on stdout, exit 0.
        version: BuildInfo.versionLine,
        subcommands: [DesiredCommand.self, ObserveCommand.self, PlanCommand.self, ApplyCommand.self, CheckCommand.self, ReconcileCommand.self]
    )

    public init() {}
}
