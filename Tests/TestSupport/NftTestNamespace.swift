import Foundation
import Glibc

/// A throwaway network namespace for nf_tables kernel tests (shared by ApplyTests and ObservedTests), created with `ip netns add` under a
/// name unique to this process and call, and always deleted by `with`.
public struct NftTestNamespace: Sendable {
    public let name: String

    public static var isRoot: Bool { getuid() == 0 }

    /// Creates a namespace, runs `body`, deletes the namespace (also when `body` throws).
    public static func with<T>(_ body: (NftTestNamespace) throws -> T) throws -> T {
        let namespace = NftTestNamespace(name: "nfttest\(getpid())r\(UInt32.random(in: 0...UInt32.max))")
        let created = try run(["ip", "netns", "add", namespace.name])
        guard created.status == 0 else { throw Failure(text: "ip netns add: \(created.error)") }
        defer { _ = try? run(["ip", "netns", "del", namespace.name]) }
        return try body(namespace)
    }

    /// Runs a command inside the namespace (`ip netns exec`).
    public func exec(_ arguments: [String], input: String? = nil) throws -> (status: Int32, output: String, error: String) {
        try NftTestNamespace.run(["ip", "netns", "exec", name] + arguments, input: input)
    }

    public struct Failure: Error, CustomStringConvertible {
        public var text: String
        public var description: String { text }
        public init(text: String) { self.text = text }
    }

    public static func run(_ arguments: [String], input: String? = nil) throws -> (status: Int32, output: String, error: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe()
        let error = Pipe()
        let stdin = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }
}
