import CMnl
import Glibc

/// Runs code inside a named network namespace (`/var/run/netns/<name>`, as `ip netns add`
/// creates), without `ip netns exec` and without moving the calling thread.
///
/// `setns(2)` switches only the calling thread, and Swift's cooperative threads are shared by
/// unrelated tasks, so the closure runs on a fresh POSIX thread that enters the namespace and
/// then ends; the caller blocks until it returns. Every socket the closure opens belongs to the
/// namespace for its whole life, even when used later from another thread, which is how tests
/// and the kernel suite observe or change a throwaway namespace while the process stays in the
/// host's.
public enum NetworkNamespace {
    public struct Failure: Error, Hashable, Sendable, CustomStringConvertible {
        public var namespace: String
        public var step: String
        public var errno: Int32

        public var description: String {
            "network namespace \(namespace): \(step): \(Errno(rawValue: errno))"
        }
    }

    /// The bind-mount path `ip netns` uses for a name.
    public static func path(of name: String) -> String { "/var/run/netns/\(name)" }

    /// Runs `body` on a new thread inside the namespace `name` and returns its result.
    ///
    /// - Throws: `Failure` when the namespace cannot be opened or entered; whatever `body` throws.
    public static func run<T>(in name: String, _ body: () throws -> T) throws -> T {
        try withoutActuallyEscaping(body) { escapable in
            let job = Job(namespace: name, body: escapable)
            try job.runOnNewThread()
            guard let result = job.result else {
                throw Failure(namespace: name, step: "thread ended without a result", errno: 0)
            }
            // The job only ever stores what `body` (of type T) returned.
            guard let value = try result.get() as? T else {
                throw Failure(namespace: name, step: "thread returned a value of another type", errno: 0)
            }
            return value
        }
    }

    /// A unit of work handed to the new thread. `@unchecked Sendable`: the creating thread only
    /// reads `result` after `pthread_join`, which orders the accesses.
    private final class Job: @unchecked Sendable {
        let namespace: String
        let body: () throws -> Any
        var result: Result<Any, any Error>?

        init<T>(namespace: String, body: @escaping () throws -> T) {
            self.namespace = namespace
            self.body = { try body() }
        }

        func runOnNewThread() throws {
            var thread = pthread_t()
            let context = Unmanaged.passRetained(self).toOpaque()
            let created = pthread_create(&thread, nil, { raw in
                guard let raw else { return nil }
                let job = Unmanaged<Job>.fromOpaque(raw).takeRetainedValue()
                job.enterAndRun()
                return nil
            }, context)
            if created != 0 {
                Unmanaged<Job>.fromOpaque(context).release()
                throw Failure(namespace: namespace, step: "pthread_create", errno: created)
            }
            pthread_join(thread, nil)
        }

        private func enterAndRun() {
            let fd = open(NetworkNamespace.path(of: namespace), O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                result = .failure(Failure(namespace: namespace, step: "open \(NetworkNamespace.path(of: namespace))", errno: errno))
                return
            }
            let entered = cmnl_setns_net(fd)
            let code = errno
            Glibc.close(fd)
            guard entered == 0 else {
                result = .failure(Failure(namespace: namespace, step: "setns", errno: code))
                return
            }
            result = Result { try body() }
        }
    }
}
