/// One node on its own: a namespace whose underlay is a veth (this kernel has no dummy driver)
/// with its peer kept inside and up, so the link is up and on-link lookups work.
enum NodeNamespace {
    /// Creates `name` through `registry` (so it is always deleted) with `lo` up, `device` holding
    /// `address`, and a default route via `gateway` when given.
    static func create(
        _ registry: NamespaceRegistry, name: String, device: String = "eth0", address: String = "172.22.0.239/20",
        gateway: String? = "172.22.0.1"
    ) throws {
        try registry.create(name)
        var commands = [
            ["link", "set", "lo", "up"],
            ["link", "add", device, "type", "veth", "peer", "name", device + "p"],
            ["link", "set", device + "p", "up"],
            ["addr", "add", address, "dev", device],
            ["link", "set", device, "up"],
        ]
        if let gateway { commands.append(["route", "add", "default", "via", gateway, "dev", device]) }
        for command in commands { try Shell.run(["ip", "-n", name] + command) }
    }
}
