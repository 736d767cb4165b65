import Foundation

/// Where a command writes. The binary writes through to stdout/stderr; golden tests collect the
/// text, so they compare exactly what an operator would read.
public final class Console: @unchecked Sendable {
    public private(set) var output = ""
    public private(set) var errors = ""
    private let passthrough: Bool
    private let lock = NSLock()

    public init(passthrough: Bool) { self.passthrough = passthrough }

    public func write(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        if passthrough {
            FileHandle.standardOutput.write(Data(text.utf8))
        } else {
            output += text
        }
    }

    public func error(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        let line = text.hasSuffix("\n") ? text : text + "\n"
        if passthrough {
            FileHandle.standardError.write(Data(line.utf8))
        } else {
            errors += line
        }
    }
}
