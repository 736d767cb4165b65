import InputFiles

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file mapped read-only, whose pages can be given back once read.
///
/// A snapshot at 50,000 peers is 30–40 MB. Read into memory it stays resident for the whole
/// decode, on top of the state being built; mapped, the reader drops each megabyte behind it
/// (`MADV_DONTNEED`: a private read-only mapping refaults from the file if touched again, as an
/// error message's line count does), so the file never costs more than a window.
final class MappedFile {
    let bytes: UnsafeRawBufferPointer
    private let pageSize: Int
    private var released = 0

    /// Nil when the file cannot be mapped (empty, or `mmap` failed): the caller reads it the
    /// ordinary way. `RegularFile` has already refused anything but a regular file within its cap.
    init?(_ file: RegularFile) {
        let count = file.size
        guard count > 0,
            let address = mmap(nil, count, PROT_READ, MAP_PRIVATE, file.descriptor, 0), address != MAP_FAILED
        else {
            return nil
        }
        bytes = UnsafeRawBufferPointer(start: address, count: count)
        pageSize = max(4096, Int(sysconf(Int32(_SC_PAGESIZE))))
        madvise(address, count, MADV_SEQUENTIAL)
    }

    /// Gives back the whole pages before `offset`.
    func release(below offset: Int) {
        guard let base = bytes.baseAddress else { return }
        let end = min(offset, bytes.count) / pageSize * pageSize
        guard end > released else { return }
        madvise(UnsafeMutableRawPointer(mutating: base) + released, end - released, MADV_DONTNEED)
        released = end
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }
}
