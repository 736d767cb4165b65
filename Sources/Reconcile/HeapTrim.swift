#if canImport(Glibc)
import Glibc
#endif

/// Gives the memory a full pass freed back to the kernel.
///
/// A full pass at 5,000 peers holds the observed and desired states, the plan and, on the first
/// pass, 15,000 encoded messages at once; glibc keeps the freed pages in its arenas, so without
/// this the agent's resident size stays near that peak for good. `malloc_trim` returns the free
/// pages at the top and inside the heap, once per full pass. It is glibc's (`<malloc.h>`, which
/// Swift's Glibc module does not import), so it is looked up by name; elsewhere this does nothing.
enum HeapTrim {
    private typealias Trim = @convention(c) (Int) -> Int32

    private static let trim: Trim? = {
        #if canImport(Glibc)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: Trim.self)
        #else
        return nil
        #endif
    }()

    static func afterFullPass() {
        _ = trim?(0)
    }
}
