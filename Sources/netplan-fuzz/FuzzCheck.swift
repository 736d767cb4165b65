import Foundation

/// What a target checks besides surviving its input: a failed check fails the run like a crash
/// does (exit 4), with the input written to `<out>/mismatch-input`.
enum FuzzCheck {
    /// Where the failing input goes (`--out`).
    nonisolated(unsafe) static var directory = ".build/fuzz"
    /// The longest refusal message seen, by target index (`current`): an error that quotes the
    /// input whole grows with it, which the closing line shows.
    nonisolated(unsafe) static var longestRefusal: [Int] = []
    nonisolated(unsafe) static var current = 0

    static func require(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { fail(message()) }
    }

    /// A refusal must say where it came from: its source starts with `expected`.
    static func refusal(_ source: String?, _ expected: String, _ text: String) {
        require(source?.hasPrefix(expected) == true, "a refusal that does not name its source (\(expected)): \(text)")
        if current < longestRefusal.count { longestRefusal[current] = max(longestRefusal[current], text.utf8.count) }
    }

    static func fail(_ message: String) -> Never {
        let data = Data(UnsafeRawBufferPointer(rebasing: Watchdog.buffer[..<Watchdog.length]))
        let path = directory + "/mismatch-input"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: path, contents: data)
        FileHandle.standardError.write(Data("netplan-fuzz: FAIL: \(message) (a \(data.count)-byte input, written to \(path))\n".utf8))
        exit(4)
    }
}
