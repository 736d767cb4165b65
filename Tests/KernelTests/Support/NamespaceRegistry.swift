import Foundation

/// Remembers every network namespace a cluster asked for, before asking, so nothing is leaked
/// when setup fails half-way, a test forgets `shutdown()`, or `shutdown()` itself is interrupted.
///
/// Deleting a namespace only unmounts its name: any process still inside (a forgotten
/// `ping`, a binary under test) keeps the namespace and its veths alive invisibly. So every
/// process found in a namespace is killed first (they can only be ours: nobody else knows the
/// run-unique names).
final class NamespaceRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var names: [String] = []

    /// Registered names, in creation order.
    var registered: [String] {
        lock.lock(); defer { lock.unlock() }
        return names
    }

    /// Creates `name` with `ip netns add` and records it, also when the command fails half-way,
    /// except when the name already existed: that namespace belongs to someone else (another
    /// process whose pid matches ours modulo 10 000) and must not be deleted by us.
    func create(_ name: String) throws(ShellError) {
        do {
            try Shell.run(["ip", "netns", "add", name])
            remember(name)
        } catch {
            if !error.stderr.contains("File exists") {
                remember(name)
            }
            throw error
        }
    }

    private func remember(_ name: String) {
        lock.lock(); defer { lock.unlock() }
        names.append(name)
    }

    /// Deletes every registered namespace, newest first (pods before their nodes, nodes before the
    /// switch), and forgets it. Idempotent. Returns the failures it could not fix, for reporting;
    /// a name that is already gone is not a failure.
    @discardableResult
    func deleteAll() -> [ShellError] {
        lock.lock()
        let toDelete = names.reversed()
        names.removeAll()
        lock.unlock()

        var failures: [ShellError] = []
        for name in toDelete {
            killProcesses(in: name)
            do {
                try Shell.run(["ip", "netns", "delete", name], timeout: 10)
            } catch {
                if !error.stderr.contains("No such file or directory") {
                    failures.append(error)
                }
            }
        }
        return failures
    }

    private func killProcesses(in name: String) {
        guard let result = try? Shell.run(["ip", "netns", "pids", name], check: false, timeout: 10), result.succeeded else {
            return
        }
        for line in result.stdout.split(separator: "\n") {
            if let pid = Int32(line.trimmingCharacters(in: .whitespaces)), pid > 1 {
                kill(pid, SIGKILL)
            }
        }
    }

    deinit {
        deleteAll()
    }
}
