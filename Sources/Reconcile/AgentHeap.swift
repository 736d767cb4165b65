#if canImport(Glibc)
import Glibc
#endif

/// How the agent keeps glibc's heap small. Both calls are glibc's (`<malloc.h>`, which Swift's
/// Glibc module does not import), so they are looked up by name; elsewhere they do nothing.
///
/// Measured at 5,000 nodes (kube source, real-shaped nodes, after the first pass and a round of
/// heartbeats): anonymous memory 17.3 MB with glibc's defaults, 12.7 MB with two arenas, 8.2 MB
/// with one; resident 45.6, 41.3 and 36.3 MB.
public enum AgentHeap {
    private typealias Option = @convention(c) (Int32, Int32) -> Int32
    private typealias Trim = @convention(c) (Int) -> Int32

    private static func symbol<T>(_ name: String, as type: T.Type) -> T? {
        #if canImport(Glibc)
        guard let found = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(found, to: type)
        #else
        return nil
        #endif
    }

    private static let option = symbol("mallopt", as: Option.self)
    private static let trim = symbol("malloc_trim", as: Trim.self)

    /// One malloc arena for the whole process (`M_ARENA_MAX`, -8 in `<malloc.h>`). glibc gives
    /// each thread that meets contention an arena of its own (up to 8 per core), and each keeps
    /// what its thread freed: the threads that read list pages and watch lines, the event loop's
    /// and the pass thread's. The agent's threads seldom allocate at the same moment, so one
    /// arena costs no measurable contention. Called first thing, before the agent's threads start.
    public static func useOneArena() {
        _ = option?(-8, 1)
    }

    /// Gives the memory a full pass freed back to the kernel: a full pass at 5,000 peers holds the
    /// observed and desired states, the plan and, on the first pass, 15,000 encoded messages at
    /// once, and glibc would keep the freed pages for good (measured: 61 MB resident after the
    /// first pass without this, 48–50 MB with it).
    static func afterFullPass() {
        _ = trim?(0)
    }
}
