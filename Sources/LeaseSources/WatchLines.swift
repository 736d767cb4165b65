#if canImport(Glibc)
import Glibc
#endif

/// The lines of a watch stream, split as chunks arrive, with a bounded buffer and a linear scan.
///
/// The first version appended every chunk to one array and searched it from the start for a
/// newline each time: a peer that never sent one made the buffer grow without bound (57 to 107 MB
/// in 24 s against a fake etcd) and each chunk cost a scan of everything before it. Here the
/// search resumes where the last one stopped, consumed lines are dropped once per chunk, and a
/// partial line longer than `maxLine` is refused.
struct WatchLines {
    let maxLine: Int
    private var buffer: [UInt8] = []
    /// Where the next line starts.
    private var start = 0
    /// How far the buffer has been searched for a newline.
    private var scanned = 0
    /// Where the unfinished line at the end of the buffer starts (after its last newline).
    private var tailStart = 0

    init(maxLine: Int) { self.maxLine = maxLine }

    /// Adds a chunk; false when the line being built is now over `maxLine` (the caller drops
    /// the stream).
    mutating func append(_ bytes: some Collection<UInt8>) -> Bool {
        if start > 0 {
            buffer.removeSubrange(..<start)
            scanned -= start
            tailStart -= start
            start = 0
        }
        let oldCount = buffer.count
        buffer.append(contentsOf: bytes)
        // Only the new bytes are searched; only the unfinished line counts against the cap
        // (a chunk is at most NIO's read size, so a complete line is bounded by cap + chunk).
        if let newline = Self.search(buffer, from: oldCount, last: true) { tailStart = newline + 1 }
        return buffer.count - tailStart <= maxLine
    }

    /// The next complete line, without its newline.
    mutating func next() -> [UInt8]? {
        nextLine { Array($0) }
    }

    /// Reads the next complete line in place (its bytes are valid only inside `body`): a node's
    /// watch line is 5-20 KB, read once and dropped, so it is not copied out first.
    mutating func nextLine<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T? {
        guard let newline = Self.search(buffer, from: scanned, last: false) else {
            scanned = buffer.count
            return nil
        }
        let range = start..<newline
        start = newline + 1
        scanned = start
        return try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[range])) }
    }

    /// The first (or last) newline at or after `start`: libc's memchr (the last one backwards from
    /// the end, where a chunk's newline usually is), since the generic
    /// `firstIndex(of:)` on a slice went byte by byte and was a tenth of the agent's time per
    /// watch event (a Kubernetes node is 5-20 KB on one line).
    private static func search(_ buffer: [UInt8], from start: Int, last: Bool) -> Int? {
        guard start < buffer.count else { return nil }
        return buffer.withUnsafeBytes { raw -> Int? in
            guard let base = raw.baseAddress else { return nil }
            let from = base + start
            let count = raw.count - start
            guard last else {
                return memchr(from, Int32(UInt8(ascii: "\n")), count).map { UnsafeRawPointer($0) - base }
            }
            // Backwards: a chunk of a watch stream usually ends with its event's newline.
            var index = raw.count - 1
            while index >= start {
                if raw[index] == UInt8(ascii: "\n") { return index }
                index -= 1
            }
            return nil
        }
    }

    /// What is left after the stream ended: a last line without its newline, if any.
    var rest: [UInt8] { Array(buffer[start...]) }
}
