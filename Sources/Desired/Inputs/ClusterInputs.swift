import NetState

/// The parsed inputs of one node, before any link facts: what every command and the agent
/// compute the desired state from. The commands read them from files; the agent's leases (and,
/// from etcd, the net-conf) come from its live lease source instead.
public struct ClusterInputs: Sendable {
    public var netConf: NetConf
    public var leases: [Lease]
    /// Lease records that did not parse: their peers are skipped, never the node.
    public var rejected: [RejectedLease]
    public var leaseSource: String
    public var selector: NodeSelector
    public var options: DesiredOptions
    public var onLinkNetworks: [IPPrefix]
    /// Where each input came from, one line each for outputs' headers (`net-conf:
    /// /run/flannel/subnet.env (FLANNEL_NETWORK 10.244.0.0/16)`, `leases: leases.json`).
    public var sources: [String] = []
    /// subnet.env's `FLANNEL_SUBNET` when the net-conf came from it: this node's lease, known
    /// even when no leases are given (`observe`).
    public var ownSubnet: IPv4Prefix?
    /// True when no net-conf said `EnableNFTables` (the inputs came from flanneld's subnet.env,
    /// which does not carry it): the mode is then the one the node's kernel shows
    /// (`settleMasqueradeMode(flannelTable:iptablesRules:)`).
    public var masqueradeModeUnknown = false

    public init(netConf: NetConf, leases: [Lease], rejected: [RejectedLease] = [], leaseSource: String, node: NodeFlags) {
        self.netConf = netConf
        self.leases = leases
        self.rejected = rejected
        self.leaseSource = leaseSource
        selector = node.selector
        options = node.options
        onLinkNetworks = node.onLinkNetworks
    }

    /// The peers whose on-link answer changes the desired state: those reached by host-gw, and
    /// every vxlan peer when DirectRouting is on. Plain vxlan needs no route lookups, which at
    /// 5,000 peers is a fifth of a converged plan.
    public var peersToLookUp: [IPAddress] {
        let directRouting = netConf.backend.directRouting
        return leases.filter { lease in
            let type = netConf.backendType(of: lease, override: options.backendOverride)
            return type == .hostGW || directRouting
        }.flatMap(\.publicAddresses)
    }
}

/// The node-selection, planning and underlay flags, parsed once and checked (the command line
/// parses them; the agent, which reads its files through a lease source, shares only these).
public struct NodeFlags: Hashable, Sendable {
    public var selector: NodeSelector
    public var options: DesiredOptions
    /// `--on-link`: peers inside these networks are on-link.
    public var onLinkNetworks: [IPPrefix]
    /// `--iface`: the underlay device, nil for the device of the default route.
    public var iface: String?
    /// `--iface-mtu`: the underlay MTU, nil for the device's.
    public var ifaceMTU: UInt32?

    public init(
        selector: NodeSelector = .automatic, options: DesiredOptions = DesiredOptions(), onLinkNetworks: [IPPrefix] = [],
        iface: String? = nil, ifaceMTU: UInt32? = nil
    ) {
        self.selector = selector
        self.options = options
        self.onLinkNetworks = onLinkNetworks
        self.iface = iface
        self.ifaceMTU = ifaceMTU
    }
}

extension ClusterInputs {
    /// With the mode unknown, flannel's nf_tables table on the node (and none of its
    /// iptables-mode rules) means flanneld runs with `EnableNFTables: true`; anything else is
    /// flannel's default, iptables mode. Returns the header line that says so, or nil when the
    /// mode was known.
    public mutating func settleMasqueradeMode(flannelTable: Bool, iptablesRules: Bool) -> String? {
        guard masqueradeModeUnknown else { return nil }
        masqueradeModeUnknown = false
        netConf.enableNFTables = flannelTable && !iptablesRules
        return netConf.enableNFTables
            ? "mode: nf_tables (the node holds table ip flannel-ipv4 and none of flannel's iptables rules)"
            : "mode: iptables (flannel's default; the node holds no table ip flannel-ipv4 without iptables rules)"
    }
}
