import Desired
import Foundation
import InputFiles

/// A lease file (any format `LeaseReader` reads), re-read when its inode, size or modification
/// time changes. Polling, not inotify: it also follows a file replaced by rename (as
/// `kubectl … > tmp && mv tmp leases.json` or a ConfigMap volume's symlink swap does).
public struct FileLeaseSource: LeaseSource {
    public var path: String
    public var pollInterval: Duration

    public init(path: String, pollInterval: Duration = .milliseconds(200)) {
        self.path = path
        self.pollInterval = pollInterval
    }

    /// A file source holds nothing between reads.
    public func shutdown() async {}

    /// What identifies one version of the file.
    struct Signature: Equatable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var modified: timespec

        static func == (a: Signature, b: Signature) -> Bool {
            a.device == b.device && a.inode == b.inode && a.size == b.size
                && a.modified.tv_sec == b.modified.tv_sec && a.modified.tv_nsec == b.modified.tv_nsec
        }
    }

    func signature() -> Signature? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Signature(device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size), modified: info.st_mtim)
    }

    public func read() async throws(LeaseSourceError) -> LeaseSet {
        try readNow()
    }

    /// Reads the file through `InputFile`, as the one-shot commands do: a FIFO or device is
    /// refused (a FIFO would block the agent), and so is a file over `InputFileLimit.leases`.
    func readNow() throws(LeaseSourceError) -> LeaseSet {
        let bytes: [UInt8]
        do {
            bytes = try InputFile.read(path, limit: .leases)
        } catch {
            // Too big is the data's fault; anything else is a file that cannot be read (yet).
            if case .overCap = error.reason { throw LeaseSourceError(.invalid, source: path, error.message) }
            throw LeaseSourceError(.unreachable, source: path, error.message)
        }
        do {
            let reading = try LeaseReader.read(bytes, source: path)
            return LeaseSet(leases: reading.leases, rejected: reading.rejected, source: path)
        } catch {
            throw LeaseSourceError(.invalid, source: path, "\(error)")
        }
    }

    /// Reports the current set, then every change. A failure is reported once per version of
    /// the file, not once per poll.
    public func follow(_ report: @escaping @Sendable (LeaseSourceEvent) -> Void) async {
        var isFirst = true
        var last: Signature?
        while !Task.isCancelled {
            let now = signature()
            if isFirst || last != now {
                isFirst = false
                last = now
                do {
                    report(.leases(try readNow()))
                } catch {
                    report(.failure(error))
                }
            }
            try? await Task.sleep(for: pollInterval)
        }
    }
}
