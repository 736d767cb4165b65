import Foundation

/// Facts about the machine a kernel test needs before it starts.
enum KernelTestEnvironment {
    /// Creating namespaces, veths and bridges needs CAP_NET_ADMIN and CAP_SYS_ADMIN; the tests
    /// take "running as root" as the proxy, as CI does (`.enabled(if: KernelTestEnvironment.isRoot)`).
    static var isRoot: Bool { getuid() == 0 }
}
