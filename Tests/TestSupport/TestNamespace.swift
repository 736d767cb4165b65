import Foundation
import Glibc

/// A throwaway network namespace `npf-<tag>-<pid>-<n>` for kernel tests, built with the real
/// `ip`/`bridge` tools. Deleted by `delete()` (call it in a `defer`) and, as a safety net, on
/// deinit.
public final class TestNamespace {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var counter = 0

    public let name: String
    private var deleted = false

    public init(tag: String) throws {
        let number = TestNamespace.lock.withLock {
            TestNamespace.counter += 1
            return TestNamespace.counter
        }
        name = "npf-\(tag)-\(getpid())-\(number)"
        try Shell.run(["ip", "netns", "add", name])
    }

    deinit { delete() }

    public func delete() {
        guard !deleted else { return }
        deleted = true
        _ = try? Shell.run(["ip", "netns", "delete", name])
    }

    /// Runs `ip -n NS <words>` (or `bridge -n NS …` when the first word is `bridge`).
    @discardableResult
    public func ip(_ words: String...) throws -> String {
        try tool("ip", words)
    }

    @discardableResult
    public func bridge(_ words: String...) throws -> String {
        try tool("bridge", words)
    }

    private func tool(_ tool: String, _ words: [String]) throws -> String {
        // sysctl has no `-n`: /proc/sys/net is the namespace of the process that opens it.
        if tool == "sysctl" { return try Shell.run(["ip", "netns", "exec", name, tool] + words) }
        return try Shell.run([tool, "-n", name] + words)
    }

    /// Runs each line of `script` as `ip`/`bridge`/`sysctl` words, e.g. `"ip link set lo up"`.
    public func setUp(_ script: String) throws {
        for line in script.split(separator: "\n") {
            let words = line.split(separator: " ").map(String.init)
            guard let first = words.first else { continue }
            try tool(first, Array(words.dropFirst()))
        }
    }
}

enum Shell {
    struct Failure: Error, CustomStringConvertible {
        var command: [String]
        var status: Int32
        var output: String
        var description: String { "\(command.joined(separator: " ")) exited \(status): \(output)" }
    }

    @discardableResult
    static func run(_ command: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let output = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw Failure(command: command, status: process.terminationStatus, output: output)
        }
        return output
    }
}

public let isRoot = getuid() == 0
