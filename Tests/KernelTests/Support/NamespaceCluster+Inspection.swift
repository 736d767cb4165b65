/// Read-outs of a node's kernel state in the tools' own text, for assertions and for failure
/// messages a human can compare with `ip` on a real node.
extension NamespaceCluster {
    /// `ip route show [table <table>]` in node `node`.
    func routes(node: Int, table: String? = nil) throws -> String {
        try ip(node: node, ["route", "show"] + (table.map { ["table", $0] } ?? [])).stdout
    }

    /// `ip neigh show dev <device>` in node `node`.
    func neighbors(node: Int, device: String) throws -> String {
        try ip(node: node, ["neigh", "show", "dev", device]).stdout
    }

    /// `bridge fdb show dev <device>` in node `node`.
    func fdb(node: Int, device: String) throws -> String {
        try Shell.run(["bridge", "-n", self.node(node).namespace, "fdb", "show", "dev", device]).stdout
    }

    /// `nft list ruleset` in node `node`.
    func nftRuleset(node: Int) throws -> String {
        try exec(node: node, ["nft", "list", "ruleset"]).stdout
    }

    /// `ip -d link show [dev <device>]` in node `node` (details show vxlan id, port, local).
    func links(node: Int, device: String? = nil) throws -> String {
        try ip(node: node, ["-d", "link", "show"] + (device.map { ["dev", $0] } ?? [])).stdout
    }

    /// `ip address show [dev <device>]` in node `node`.
    func addresses(node: Int, device: String? = nil) throws -> String {
        try ip(node: node, ["address", "show"] + (device.map { ["dev", $0] } ?? [])).stdout
    }

    /// The MAC address of `device` in node `node` (e.g. a vxlan device's, for a VtepMAC).
    func macAddress(node: Int, device: String) throws -> String {
        let result = try ip(node: node, ["-br", "link", "show", "dev", device])
        let fields = result.stdout.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count >= 3, fields[2].split(separator: ":").count == 6 else {
            throw ShellError(command: result.command, reason: .unexpectedOutput("a MAC address in the third column"), stdout: result.stdout, stderr: result.stderr)
        }
        return String(fields[2])
    }
}
