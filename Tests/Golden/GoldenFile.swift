import Foundation
import Testing

/// Compares text with a golden file. With `UPDATE_GOLDEN=1` the file is rewritten and the test
/// still fails, so a re-record never passes unnoticed: review the diff, then run again.
enum GoldenFile {
    static var updating: Bool { ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" }

    static func check(_ actual: String, against url: URL, sourceLocation: SourceLocation = #_sourceLocation) {
        let expected = try? String(contentsOf: url, encoding: .utf8)
        if updating {
            if expected != actual {
                try? FileManager.default.createDirectory(
                    at: url.deletingLastPathComponent(), withIntermediateDirectories: true
                )
                try? actual.write(to: url, atomically: true, encoding: .utf8)
            }
            Issue.record("UPDATE_GOLDEN=1: recorded \(url.lastPathComponent); review the diff and run again without it",
                         sourceLocation: sourceLocation)
            return
        }
        guard let expected else {
            Issue.record("missing golden file \(url.path); run with UPDATE_GOLDEN=1 to record it",
                         sourceLocation: sourceLocation)
            return
        }
        if expected != actual {
            Issue.record("\(url.lastPathComponent) differs:\n\(diff(expected: expected, actual: actual))",
                         sourceLocation: sourceLocation)
        }
    }

    /// A small line diff: enough to see what moved.
    static func diff(expected: String, actual: String) -> String {
        let old = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let new = actual.split(separator: "\n", omittingEmptySubsequences: false)
        var lines: [String] = []
        let count = max(old.count, new.count)
        for index in 0..<count {
            let before = index < old.count ? String(old[index]) : nil
            let after = index < new.count ? String(new[index]) : nil
            if before == after { continue }
            if let before { lines.append("-\(index + 1): \(before)") }
            if let after { lines.append("+\(index + 1): \(after)") }
            if lines.count > 60 {
                lines.append("…")
                break
            }
        }
        return lines.joined(separator: "\n")
    }
}
