import Foundation

/// A `ping -i 0.01` running in the background inside a namespace, so a test can measure loss
/// *during* something (an apply, a backend switch) rather than before and after it.
///
/// Output goes to a temporary file, not a pipe: at 100 replies a second a pipe nobody drains
/// fills in seconds and stalls ping, which would look like packet loss.
final class PingMonitor: @unchecked Sendable {
    let namespace: String
    let destination: String

    private let process: Process
    private let outputURL: URL
    private let lock = NSLock()
    private var stopped = false

    private init(namespace: String, destination: String, process: Process, outputURL: URL) {
        self.namespace = namespace
        self.destination = destination
        self.process = process
        self.outputURL = outputURL
    }

    /// Starts `ping -n -i <interval> -W <replyTimeout> <destination>` in `namespace` and returns
    /// once ping has printed its header (so its SIGINT handler is in place).
    static func start(namespace: String, destination: String, interval: Double = 0.01, replyTimeout: Double = 1) throws -> PingMonitor {
        let command = ["ip", "netns", "exec", namespace, "ping", "-n", "-i", "\(interval)", "-W", "\(replyTimeout)", destination]
        guard let ip = Shell.resolve("ip") else {
            throw ShellError(command: command, reason: .executableNotFound, stdout: "", stderr: "")
        }
        let outputURL = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(namespace)-ping-\(UUID().uuidString).out")
        guard FileManager.default.createFile(atPath: outputURL.path, contents: nil) else {
            throw PingMonitorError.outputFile(outputURL.path)
        }
        let output = try FileHandle(forWritingTo: outputURL)
        defer { try? output.close() }

        let process = Process()
        process.executableURL = ip
        process.arguments = Array(command.dropFirst())
        var environment = ProcessInfo.processInfo.environment
        environment["LC_ALL"] = "C"
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        do {
            try process.run()
        } catch {
            try? FileManager.default.removeItem(at: outputURL)
            throw ShellError(command: command, reason: .launchFailed("\(error)"), stdout: "", stderr: "")
        }
        let monitor = PingMonitor(namespace: namespace, destination: destination, process: process, outputURL: outputURL)

        // `ip netns exec` execs ping in place, so our child *is* ping; wait for its header.
        let deadline = Date().addingTimeInterval(3)
        while Date() < deadline {
            if monitor.currentOutput().contains("PING ") {
                Thread.sleep(forTimeInterval: 0.01)
                return monitor
            }
            if !process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.005)
        }
        let seen = monitor.currentOutput()
        monitor.kill()
        throw PingMonitorError.didNotStart(command: command, output: seen)
    }

    /// Sends SIGINT, waits for ping to print its statistics and exit, and parses them.
    func stop() throws -> PingReport {
        lock.lock()
        let alreadyStopped = stopped
        stopped = true
        lock.unlock()
        if !alreadyStopped, process.isRunning {
            process.interrupt()
        }
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.005)
        }
        if process.isRunning {
            kill()
            throw PingMonitorError.didNotExit(namespace: namespace, destination: destination)
        }
        let text = currentOutput()
        try? FileManager.default.removeItem(at: outputURL)
        return try PingReport.parse(text)
    }

    private func currentOutput() -> String {
        (try? String(contentsOf: outputURL, encoding: .utf8)) ?? ""
    }

    private func kill() {
        if process.isRunning {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// A monitor dropped without `stop()` must not leave ping running: it would pin its namespace.
    deinit {
        kill()
        try? FileManager.default.removeItem(at: outputURL)
    }
}

enum PingMonitorError: Error, Sendable, CustomStringConvertible {
    case outputFile(String)
    case didNotStart(command: [String], output: String)
    case didNotExit(namespace: String, destination: String)

    var description: String {
        switch self {
        case .outputFile(let path): return "cannot create ping output file \(path)"
        case .didNotStart(let command, let output): return "`\(command.joined(separator: " "))` did not start: \(output)"
        case .didNotExit(let ns, let dst): return "ping \(dst) in \(ns) ignored SIGINT for 5 s and was killed"
        }
    }
}
