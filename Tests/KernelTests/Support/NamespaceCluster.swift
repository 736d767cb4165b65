import Foundation

/// A flannel-like cluster made of network namespaces on this kernel.
///
/// ```
///              switch ns: bridge br0 (172.22.0.0/24)
///          ┌──────────┬──────────┬──────────┬────────────┐
///        n1 eth0    n2 eth0    n3 eth0    router eth0 .1
///        .11        .12        .13        router eth1 172.23.0.1 ── n4 eth0 172.23.0.14
/// ```
/// Each node `i` has a `cni0` bridge with 10.244.i.1/24 and one pod (10.244.i.2/24, default
/// route via 10.244.i.1) behind a veth. Nodes' default routes go via the router; ip_forward is on
/// in the router and the nodes. No pod routes are programmed: that is the job of the code under
/// test (or of the test, by hand).
///
/// Every namespace name starts with a run-unique prefix; `shutdown()` (and, failing that,
/// `deinit`) deletes them all.
final class NamespaceCluster: @unchecked Sendable {
    /// Run-unique prefix of every namespace name, e.g. `npf4821x3-`.
    let prefix: String
    let switchNamespace: String
    let routerNamespace: String
    /// n1..n4, in order.
    let nodes: [ClusterNode]
    /// The router's addresses on the shared bridge and on n4's link.
    let routerUnderlayIPs: [String] = ["172.22.0.1", "172.23.0.1"]
    /// Whether the underlay and the pods have IPv6 addresses too (`ClusterNode`'s IPv6 half).
    let dualStack: Bool

    private let registry: NamespaceRegistry

    /// Builds the whole topology. If any step fails, everything created so far is deleted before
    /// the error (naming the failing command and its stderr) is thrown.
    init(dualStack: Bool = false) throws {
        self.dualStack = dualStack
        let prefix = try RunNames.unusedPrefix()
        self.prefix = prefix
        self.switchNamespace = prefix + "sw"
        self.routerNamespace = prefix + "rt"
        self.nodes = (1...4).map { ClusterNode.make(index: $0, prefix: prefix) }
        self.registry = NamespaceRegistry()
        do {
            try build()
            if dualStack { try buildIPv6() }
        } catch {
            registry.deleteAll()
            throw error
        }
    }

    deinit {
        registry.deleteAll()
    }

    /// Every namespace this cluster created and has not yet deleted.
    var namespaces: [String] { registry.registered }

    /// Every namespace name this cluster uses, whether or not it still exists.
    var allNamespaceNames: [String] {
        [switchNamespace, routerNamespace] + nodes.flatMap { [$0.namespace, $0.podNamespace] }
    }

    /// Deletes every namespace (killing processes still inside them). Safe to call twice and
    /// from `defer`. Returns the deletions that failed, which should be none.
    @discardableResult
    func shutdown() -> [ShellError] {
        registry.deleteAll()
    }

    // MARK: - Lookup

    func node(_ index: Int) throws(ClusterError) -> ClusterNode {
        guard let node = nodes.first(where: { $0.index == index }) else {
            throw .noSuchNode(index, available: nodes.map(\.index))
        }
        return node
    }

    // MARK: - Running commands

    /// Runs `args` (any binary path or tool name) inside node `node`'s namespace via
    /// `ip netns exec`. With `check: false` a non-zero exit is returned, not thrown.
    @discardableResult
    func exec(node: Int, _ args: [String], check: Bool = true, timeout: Double = 60) throws -> CommandResult {
        try Shell.run(["ip", "netns", "exec", self.node(node).namespace] + args, check: check, timeout: timeout)
    }

    /// Runs `args` inside the pod namespace of node `node`.
    @discardableResult
    func execPod(node: Int, _ args: [String], check: Bool = true, timeout: Double = 60) throws -> CommandResult {
        try Shell.run(["ip", "netns", "exec", self.node(node).podNamespace] + args, check: check, timeout: timeout)
    }

    /// Runs `ip -n <node ns> args...` (cheaper than `exec`: no mount namespace is set up).
    @discardableResult
    func ip(node: Int, _ args: [String], check: Bool = true) throws -> CommandResult {
        try Shell.run(["ip", "-n", self.node(node).namespace] + args, check: check)
    }

    // MARK: - Knobs

    /// Sets `net.ipv4.conf.<interface>.rp_filter` (0 off, 1 strict, 2 loose) in node `node`;
    /// `interface` may be `all` or `default`. The cluster leaves the kernel default (0 in a new
    /// namespace) until a test asks.
    func setRPFilter(node: Int, interface: String = "all", value: Int) throws {
        try setSysctl(node: node, "net.ipv4.conf.\(interface).rp_filter", "\(value)")
    }

    /// Writes a sysctl (dotted key) in node `node`'s namespace.
    func setSysctl(node: Int, _ key: String, _ value: String) throws {
        try Sysctl.write(namespace: self.node(node).namespace, key: key, value: value)
    }

    /// Reads a sysctl (dotted key) in node `node`'s namespace, trimmed.
    func sysctl(node: Int, _ key: String) throws -> String {
        try Sysctl.read(namespace: self.node(node).namespace, key: key)
    }

    // MARK: - Building

    private func build() throws {
        for name in allNamespaceNames {
            try registry.create(name)
            try Shell.run(["ip", "-n", name, "link", "set", "lo", "up"])
        }

        // Underlay switch.
        try Shell.run(["ip", "-n", switchNamespace, "link", "add", "br0", "type", "bridge"])
        try Shell.run(["ip", "-n", switchNamespace, "link", "set", "br0", "up"])

        // Router: one leg on the bridge, one on a point-to-point veth toward n4.
        try plugIntoSwitch(namespace: routerNamespace, port: "p-rt")
        try addAddress("172.22.0.1/24", device: "eth0", namespace: routerNamespace)
        try Shell.run(["ip", "-n", routerNamespace, "link", "add", "eth1", "type", "veth",
                       "peer", "name", "eth0", "netns", try node(4).namespace])
        try addAddress("172.23.0.1/24", device: "eth1", namespace: routerNamespace)
        try enableForwarding(namespace: routerNamespace)

        for node in nodes {
            if !node.isBehindRouter {
                try plugIntoSwitch(namespace: node.namespace, port: "p-\(node.name)")
            }
            try addAddress(node.publicAddressCIDR, device: node.underlayDevice, namespace: node.namespace)
            try Shell.run(["ip", "-n", node.namespace, "route", "add", "default", "via", node.routerIP])
            try enableForwarding(namespace: node.namespace)
            try buildPodNetwork(of: node)
        }
    }

    /// Creates a veth whose `eth0` end lands directly in `namespace` and whose other end joins
    /// br0 in the switch. Creating the peer in place avoids a rename and any name clash in the
    /// root namespace.
    private func plugIntoSwitch(namespace: String, port: String) throws {
        try Shell.run(["ip", "-n", switchNamespace, "link", "add", port, "type", "veth",
                       "peer", "name", "eth0", "netns", namespace])
        try Shell.run(["ip", "-n", switchNamespace, "link", "set", port, "master", "br0", "up"])
    }

    private func buildPodNetwork(of node: ClusterNode) throws {
        let ns = node.namespace
        try Shell.run(["ip", "-n", ns, "link", "add", node.bridgeDevice, "type", "bridge"])
        try addAddress("\(node.bridgeIP)/24", device: node.bridgeDevice, namespace: ns)
        try Shell.run(["ip", "-n", ns, "link", "add", node.podVethDevice, "type", "veth",
                       "peer", "name", "eth0", "netns", node.podNamespace])
        try Shell.run(["ip", "-n", ns, "link", "set", node.podVethDevice, "master", node.bridgeDevice, "up"])
        try addAddress("\(node.podIP)/24", device: "eth0", namespace: node.podNamespace)
        try Shell.run(["ip", "-n", node.podNamespace, "route", "add", "default", "via", node.bridgeIP])
    }

    /// The IPv6 half of the topology: the same links with `fd00:172:22::/64` on the bridge,
    /// `fd00:172:23::/64` towards n4, `fd00:10:244:i::/64` on each `cni0`, default routes via
    /// the router and the bridge, forwarding on. Addresses are added `nodad`: duplicate
    /// address detection would hold them tentative (unusable) for a second or more.
    private func buildIPv6() throws {
        try addAddress6("fd00:172:22::1/64", device: "eth0", namespace: routerNamespace)
        try addAddress6("fd00:172:23::1/64", device: "eth1", namespace: routerNamespace)
        try Sysctl.write(namespace: routerNamespace, key: "net.ipv6.conf.all.forwarding", value: "1")
        for node in nodes {
            try addAddress6("\(node.publicIPv6)/64", device: node.underlayDevice, namespace: node.namespace)
            try Shell.run(["ip", "-n", node.namespace, "-6", "route", "add", "default", "via", node.routerIPv6])
            try Sysctl.write(namespace: node.namespace, key: "net.ipv6.conf.all.forwarding", value: "1")
            try addAddress6("\(node.bridgeIPv6)/64", device: node.bridgeDevice, namespace: node.namespace)
            try addAddress6("\(node.podIPv6)/64", device: "eth0", namespace: node.podNamespace)
            try Shell.run(["ip", "-n", node.podNamespace, "-6", "route", "add", "default", "via", node.bridgeIPv6])
        }
    }

    private func addAddress6(_ cidr: String, device: String, namespace: String) throws {
        try Shell.run(["ip", "-n", namespace, "-6", "address", "add", cidr, "dev", device, "nodad"])
        try Shell.run(["ip", "-n", namespace, "link", "set", device, "up"])
    }

    /// Adds the address and brings the device up.
    private func addAddress(_ cidr: String, device: String, namespace: String) throws {
        try Shell.run(["ip", "-n", namespace, "address", "add", cidr, "dev", device])
        try Shell.run(["ip", "-n", namespace, "link", "set", device, "up"])
    }

    private func enableForwarding(namespace: String) throws {
        try Sysctl.write(namespace: namespace, key: "net.ipv4.ip_forward", value: "1")
    }
}
