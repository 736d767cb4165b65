import Foundation
import Glibc
import Testing

@testable import InputFiles

/// `InputFile` reads regular files within their cap and refuses everything else by what it is,
/// promptly: a FIFO must not block, /dev/zero must not fill memory.
@Suite("InputFile")
struct InputFileTests {
    /// A fresh directory for one test, removed afterwards by the caller.
    private func scratch() throws -> String {
        let path = NSTemporaryDirectory() + "inputfile-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private func refusal(_ path: String, limit: InputFileLimit = .leases) -> InputFileError? {
        do {
            _ = try InputFile.read(path, limit: limit)
            return nil
        } catch {
            return error
        }
    }

    @Test("a regular file is read whole")
    func regularFile() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/leases.json"
        let text = String(repeating: "0123456789", count: 20_000)
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        #expect(try InputFile.read(path, limit: .leases) == Array(text.utf8))
        try "".write(toFile: path, atomically: false, encoding: .utf8)
        #expect(try InputFile.read(path, limit: .leases) == [])
    }

    @Test("a directory is refused as a directory")
    func directory() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(refusal(directory)?.description == "\(directory): is a directory, expected a regular file or - for standard input")
    }

    @Test("a FIFO is refused at once, not waited on")
    func fifo() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/fifo"
        #expect(mkfifo(path, 0o600) == 0)
        let clock = ContinuousClock()
        var error: InputFileError?
        let elapsed = clock.measure { error = refusal(path) }
        #expect(error?.description == "\(path): is a FIFO, expected a regular file or - for standard input")
        #expect(elapsed < .seconds(1))
    }

    @Test("/dev/zero is refused as a character device")
    func devZero() {
        #expect(refusal("/dev/zero")?.message == "is a character device, expected a regular file or - for standard input")
    }

    @Test("a file over its cap is refused by its size, before it is read")
    func overCap() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/leases.json"
        // Sparse: 70 MB that costs no disk and would cost 70 MB of memory if read.
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        #expect(truncate(path, 70_000_000) == 0)
        #expect(refusal(path)?.description == "\(path): 70000000 bytes, over the 64 MiB cap for leases")
        #expect(refusal(path, limit: InputFileLimit(bytes: 1000, name: "tests"))?.message == "70000000 bytes, over the 1000 bytes cap for tests")
    }

    @Test("a missing file names its errno")
    func missing() {
        #expect(refusal("/nonexistent/leases.json")?.description == "/nonexistent/leases.json: ENOENT: no such file or directory")
        #expect(Errno.name(EACCES) == "EACCES")
        #expect(Errno.text(EACCES) == "permission denied")
    }

    @Test("the caps are those documented")
    func caps() {
        #expect(InputFileLimit.netConf.text == "1 MiB")
        #expect(InputFileLimit.leases.text == "64 MiB")
        #expect(InputFileLimit.snapshot.text == "160 MiB")
        #expect(InputFileLimit.plan.text == "256 MiB")
    }
}
