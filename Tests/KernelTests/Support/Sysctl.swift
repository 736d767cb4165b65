import Foundation

/// Per-namespace sysctls, written through `/proc/sys` inside `ip netns exec` rather than with
/// `sysctl(8)`: the net.* tree under /proc/sys belongs to the netns of whoever opens it, and this
/// spares CI the procps package.
enum Sysctl {
    /// `key` in dotted form, e.g. `net.ipv4.conf.all.rp_filter`.
    static func path(_ key: String) -> String {
        "/proc/sys/" + key.replacingOccurrences(of: ".", with: "/")
    }

    static func write(namespace: String, key: String, value: String) throws(ShellError) {
        // Values and keys are ours (no spaces or quotes); the redirect is why a shell is needed.
        try Shell.run(["ip", "netns", "exec", namespace, "sh", "-c", "echo \(value) > \(path(key))"])
    }

    static func read(namespace: String, key: String) throws(ShellError) -> String {
        try Shell.run(["ip", "netns", "exec", namespace, "cat", path(key)]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
