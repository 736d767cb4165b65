import Foundation

/// What one finished command produced. Kept even for failures so a test can show the kernel's
/// own words (`RTNETLINK answers: File exists`) instead of a bare status.
struct CommandResult: Sendable, Equatable {
    let command: [String]
    let status: Int32
    let stdout: String
    let stderr: String

    var succeeded: Bool { status == 0 }
}

/// A command that could not be run or did not succeed; carries the command line and its stderr
/// because "exit status 2" alone never says which of sixty `ip` calls went wrong.
struct ShellError: Error, Sendable, CustomStringConvertible {
    enum Reason: Sendable, Equatable {
        case emptyCommand
        case executableNotFound
        case launchFailed(String)
        case nonZeroExit(Int32)
        case timedOut(seconds: Double)
        /// The command succeeded but its output was not what the caller could read.
        case unexpectedOutput(String)
    }

    let command: [String]
    let reason: Reason
    let stdout: String
    let stderr: String

    var description: String {
        let line = command.joined(separator: " ")
        let why: String
        switch reason {
        case .emptyCommand: why = "empty command"
        case .executableNotFound: why = "executable not found in PATH"
        case .launchFailed(let message): why = "could not launch: \(message)"
        case .nonZeroExit(let status): why = "exit status \(status)"
        case .timedOut(let seconds): why = "killed after \(seconds) s"
        case .unexpectedOutput(let expectation): why = "unexpected output (\(expectation)): \(stdout.prefix(300))"
        }
        let detail = stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        return "`\(line)` failed: \(why)" + (detail.isEmpty ? "" : ": \(detail)")
    }
}

/// Runs external tools (`ip`, `bridge`, `nft`, `sysctl`, `ping`, the project binary) with
/// Foundation `Process`; the kernel tests judge the data plane through the same tools an
/// operator would use.
enum Shell {
    /// Directories searched after `$PATH`, because `ip`, `bridge` and `nft` live in sbin, which a
    /// CI runner's PATH may omit.
    private static let fallbackDirectories = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]

    /// Runs `args[0]` with the remaining arguments, collecting stdout and stderr.
    /// - Parameters:
    ///   - check: when true a non-zero exit throws `ShellError`; when false the result is returned
    ///     whatever the status (for commands whose failure is what the test looks at).
    ///   - timeout: seconds before the process is killed (SIGKILL) and `.timedOut` is thrown, so a
    ///     hung binary fails the test instead of hanging CI.
    ///
    /// Do not leave background processes behind (`sh -c "... &"`): Foundation learns that a child
    /// exited when a socket the child inherited closes, so a grandchild holding it keeps
    /// `waitUntilExit` (and this call, timeout or not) blocked until the grandchild ends. Use
    /// `PingMonitor` or a `Process` of your own for long-running commands.
    @discardableResult
    static func run(_ args: [String], check: Bool = true, timeout: Double = 60) throws(ShellError) -> CommandResult {
        guard let first = args.first else {
            throw ShellError(command: args, reason: .emptyCommand, stdout: "", stderr: "")
        }
        guard let executable = resolve(first) else {
            throw ShellError(command: args, reason: .executableNotFound, stdout: "", stderr: "")
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = Array(args.dropFirst())
        var environment = ProcessInfo.processInfo.environment
        // Parsers below read English tool output (ping's summary).
        environment["LC_ALL"] = "C"
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        let outPipe = Pipe()
        let errPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe

        // Both pipes are drained concurrently: a child filling one pipe while we block on the
        // other would deadlock.
        let outSink = DataSink()
        let errSink = DataSink()
        let readers = DispatchGroup()
        for (pipe, sink) in [(outPipe, outSink), (errPipe, errSink)] {
            let handle = pipe.fileHandleForReading
            readers.enter()
            DispatchQueue.global().async {
                sink.store(handle.readDataToEndOfFile())
                readers.leave()
            }
        }

        do {
            try process.run()
        } catch {
            // Close our write ends so the readers see EOF and finish.
            try? outPipe.fileHandleForWriting.close()
            try? errPipe.fileHandleForWriting.close()
            readers.wait()
            throw ShellError(command: args, reason: .launchFailed("\(error)"), stdout: "", stderr: "")
        }

        let watchdog = Watchdog(pid: process.processIdentifier)
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { watchdog.fire() }
        process.waitUntilExit()
        watchdog.disarm()
        readers.wait()

        let result = CommandResult(
            command: args,
            status: process.terminationStatus,
            stdout: String(decoding: outSink.data, as: UTF8.self),
            stderr: String(decoding: errSink.data, as: UTF8.self)
        )
        if watchdog.fired {
            throw ShellError(command: args, reason: .timedOut(seconds: timeout), stdout: result.stdout, stderr: result.stderr)
        }
        if check, !result.succeeded {
            throw ShellError(command: args, reason: .nonZeroExit(result.status), stdout: result.stdout, stderr: result.stderr)
        }
        return result
    }

    /// An absolute or relative path is taken as is; a bare name is looked up in PATH, then sbin.
    static func resolve(_ name: String) -> URL? {
        if name.contains("/") {
            return URL(fileURLWithPath: name)
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + fallbackDirectories
        for directory in directories {
            let candidate = directory + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) {
                return URL(fileURLWithPath: candidate)
            }
        }
        return nil
    }
}

/// Bytes read by a background reader, handed back under a lock.
private final class DataSink: @unchecked Sendable {
    private let lock = NSLock()
    private var stored = Data()

    func store(_ data: Data) {
        lock.lock(); defer { lock.unlock() }
        stored = data
    }

    var data: Data {
        lock.lock(); defer { lock.unlock() }
        return stored
    }
}

/// Kills a child that outlives its timeout; disarmed right after the child exits, so a pid the
/// kernel hands out again is (short of a microsecond race with a full pid wrap) never signalled.
private final class Watchdog: @unchecked Sendable {
    private let lock = NSLock()
    private let pid: Int32
    private var armed = true
    private var didFire = false

    init(pid: Int32) { self.pid = pid }

    func fire() {
        lock.lock(); defer { lock.unlock() }
        guard armed else { return }
        didFire = true
        kill(pid, SIGKILL)
    }

    func disarm() {
        lock.lock(); defer { lock.unlock() }
        armed = false
    }

    var fired: Bool {
        lock.lock(); defer { lock.unlock() }
        return didFire
    }
}
