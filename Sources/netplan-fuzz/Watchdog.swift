import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Keeps the input being parsed where a crash handler and a watchdog thread can write it out.
///
/// A crash (a trap, `SIGSEGV`, an abort) writes the input to `<dir>/crash-input` from the signal
/// handler (only `open`/`write`/`close`, which are async-signal-safe), then hands the signal on
/// to Swift's backtracer, so the process still dies and CI fails. The watchdog thread fails the
/// run when one input takes longer than the limit or the process grows past `maximumResident`,
/// writing it to `<dir>/slow-input`.
enum Watchdog {
    /// One input's bytes, copied into a buffer allocated once (a handler must not allocate).
    nonisolated(unsafe) static var buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Mutator.maximumSize, alignment: 1)
    nonisolated(unsafe) static var length = 0
    nonisolated(unsafe) static var crashPath: UnsafeMutablePointer<CChar>?
    /// The handlers that were installed before, by signal number.
    nonisolated(unsafe) static var previous = UnsafeMutablePointer<sigaction>.allocate(capacity: 65)

    private static let lock = NSLock()
    /// Monotonic nanoseconds when the current input started, 0 between inputs.
    nonisolated(unsafe) private static var started: UInt64 = 0
    nonisolated(unsafe) private static var label = ""

    static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    /// Installs the crash handlers and starts the watchdog thread.
    static func start(directory: String, limit: Double, maximumResident: Int) {
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        crashPath = strdup(directory + "/crash-input")
        for signal in [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { signal in
                Watchdog.writeCurrentInput()
                // Hand over to the handler that was there (Swift's backtracer) or the default.
                sigaction(signal, Watchdog.previous + Int(signal), nil)
                // A trap re-executes and traps again; a raised signal needs raising again.
                raise(signal)
            }
            sigemptyset(&action.sa_mask)
            sigaction(signal, &action, previous + Int(signal))
        }
        let slowPath = directory + "/slow-input"
        let thread = Thread {
            let limitNanoseconds = UInt64(limit * 1e9)
            while true {
                Thread.sleep(forTimeInterval: 0.05)
                lock.lock()
                let since = started
                let what = label
                lock.unlock()
                let resident = residentBytes()
                let slow = since != 0 && now() - since > limitNanoseconds
                guard slow || resident > maximumResident else { continue }
                lock.lock()
                let data = Data(UnsafeRawBufferPointer(rebasing: buffer[..<length]))
                lock.unlock()
                _ = FileManager.default.createFile(atPath: slowPath, contents: data)
                let reason = slow ? "took over \(limit) s" : "grew the process to \(resident >> 20) MiB"
                FileHandle.standardError.write(Data("netplan-fuzz: FAIL: \(what) \(reason) on a \(data.count)-byte input, written to \(slowPath)\n".utf8))
                _exit(3)
            }
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Records the input about to run.
    static func begin(_ bytes: [UInt8], label: String) {
        lock.lock()
        bytes.withUnsafeBytes { source in
            let count = min(source.count, buffer.count)
            if let base = source.baseAddress { buffer.baseAddress?.copyMemory(from: base, byteCount: count) }
            length = count
        }
        self.label = label
        started = now()
        lock.unlock()
    }

    /// Marks the input done; returns how long it took, in seconds.
    static func end() -> Double {
        lock.lock()
        let elapsed = Double(now() - started) / 1e9
        started = 0
        lock.unlock()
        return elapsed
    }

    /// Called from a signal handler: no allocation, no locks.
    static func writeCurrentInput() {
        guard let crashPath else { return }
        let descriptor = open(crashPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { return }
        _ = write(descriptor, buffer.baseAddress, length)
        close(descriptor)
        let message: StaticString = "netplan-fuzz: CRASH: the input being parsed is in crash-input\n"
        _ = write(2, message.utf8Start, message.utf8CodeUnitCount)
    }

    /// Resident set size from /proc/self/statm (pages), 0 when unknown.
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
