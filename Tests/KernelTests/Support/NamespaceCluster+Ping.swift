/// Reachability checks between the cluster's pods and nodes; the kernel's forwarding, not our
/// reading of the tables, is the judge.
extension NamespaceCluster {
    /// Starts a background 10 ms ping from node `fromPod`'s pod to node `toPod`'s pod.
    func startPing(fromPod: Int, toPod: Int) throws -> PingMonitor {
        try PingMonitor.start(namespace: node(fromPod).podNamespace, destination: node(toPod).podIP)
    }

    /// Starts a background 10 ms ping from node `fromPod`'s pod to any address.
    func startPing(fromPod: Int, to destination: String) throws -> PingMonitor {
        try PingMonitor.start(namespace: node(fromPod).podNamespace, destination: destination)
    }

    /// True if at least one of `count` echo requests from pod `fromPod` to pod `toPod` is answered
    /// within `timeout` seconds (fractions allowed) of the last one.
    func canPing(fromPod: Int, toPod: Int, count: Int = 1, timeout: Double = 1) throws -> Bool {
        try Self.canPing(namespace: node(fromPod).podNamespace, destination: node(toPod).podIP, count: count, timeout: timeout)
    }

    /// Same, from node `fromNode`'s own namespace (its underlay address) to any address.
    func canPing(fromNode: Int, to destination: String, count: Int = 1, timeout: Double = 1) throws -> Bool {
        try Self.canPing(namespace: node(fromNode).namespace, destination: destination, count: count, timeout: timeout)
    }

    /// ping exits 0 when a reply came, 1 when none did, 2 when it could not even send
    /// ("Network is unreachable": no route), all of which answer the question; anything else
    /// (the namespace or ping missing) is thrown.
    static func canPing(namespace: String, destination: String, count: Int, timeout: Double) throws -> Bool {
        let result = try Shell.run(
            ["ip", "netns", "exec", namespace, "ping", "-n", "-q", "-c", "\(count)", "-i", "0.01", "-W", "\(timeout)", destination],
            check: false,
            timeout: Double(count) * 0.01 + timeout + 10
        )
        switch result.status {
        case 0: return true
        case 1, 2: return false
        default:
            throw ShellError(command: result.command, reason: .nonZeroExit(result.status), stdout: result.stdout, stderr: result.stderr)
        }
    }
}
