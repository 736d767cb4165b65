import Foundation

/// Where a command writes. The binary writes through to stdout/stderr; golden tests collect the
/// text, so they compare exactly what an operator would read.
public final class Console: @unchecked Sendable {
    /// What was written, when not passing through.
    public var output: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: outputBytes, as: UTF8.self)
    }
    /// Kept as bytes, so a document written in pieces can be cut anywhere, even inside a
    /// character.
    private var outputBytes: [UInt8] = []
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
            outputBytes.append(contentsOf: text.utf8)
        }
    }

    /// Writes UTF-8 bytes as they are: long outputs go out in pieces, never as one `String`.
    public func write(bytes: [UInt8]) {
        lock.lock()
        defer { lock.unlock() }
        if passthrough {
            bytes.withUnsafeBytes { buffer in
                guard let base = buffer.baseAddress else { return }
                FileHandle.standardOutput.write(
                    Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: base), count: buffer.count, deallocator: .none)
                )
            }
        } else {
            outputBytes.append(contentsOf: bytes)
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
