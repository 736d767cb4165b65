import Foundation

/// Hands out name prefixes unique to this test process and cluster, e.g. `npf4821x3-`.
///
/// Several test processes (other people's runs, CI retries) and several clusters in one process
/// (Swift Testing runs tests in parallel) share one kernel: the pid keeps processes apart, the
/// counter keeps clusters apart. The prefix stays short because some names derived from it could
/// become interface names, which the kernel caps at 15 characters (IFNAMSIZ - 1).
enum RunNames {
    private static let counter = Counter()

    static func nextPrefix() -> String {
        "\(processMarker)\(counter.next())-"
    }

    /// A prefix no live namespace starts with. pid % 10 000 can collide with another live
    /// process; skipping prefixes already in use keeps us from building on (and later deleting)
    /// someone else's namespaces.
    static func unusedPrefix() throws(ShellError) -> String {
        let live = try Shell.run(["ip", "netns", "list"]).stdout
            .split(separator: "\n")
            .compactMap { $0.split(separator: " ").first }
        while true {
            let prefix = nextPrefix()
            if !live.contains(where: { $0.hasPrefix(prefix) }) {
                return prefix
            }
        }
    }

    /// The marker every prefix of this process starts with, so a test can find its own leftovers
    /// in `ip netns list` without touching anyone else's.
    static var processMarker: String { "npf\(Int(getpid()) % 10_000)x" }
}

private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func next() -> Int {
        lock.lock(); defer { lock.unlock() }
        value += 1
        return value
    }
}
