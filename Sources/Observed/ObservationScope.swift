import NetState
import Netlink

/// What the observer reads of a node, defined once: `Observer.observe` reads by it, and
/// `reconcile`'s event filter and targeted repair judge kernel notifications by it, so a
/// notification counts only when it is about something an observation would have read.
///
/// The family and the table are the same for every node (the model holds IPv4 routes of table
/// main, IPv4 neighbours and addresses, and FDB entries towards IPv4 VTEPs); the rest comes
/// from the node's inputs.
public struct ObservationScope: Hashable, Sendable {
    /// The address family of the routes, neighbours and addresses read.
    public static let family = AddressFamily.inet.rawValue
    /// The routing table read.
    public static let table = RouteTable.main

    /// `flannel.<VNI>`; its absence is normal (nil `state.vxlan`, no neighbours or fdb entries).
    public var vxlanDevice: String
    /// The underlay device, or nil for the device of the lowest-metric default route in `table`.
    public var underlay: String?
    /// Peer public IPs to ask the kernel about (one batched `RTM_GETROUTE` each).
    public var peers: [IPv4Address]
    /// When false, only routes that could be owned are kept (unicast, not `proto kernel`);
    /// when true every route of the table is kept, so the planner and a snapshot see it whole.
    public var includeForeignRoutes: Bool

    public init(vxlanDevice: String, underlay: String?, peers: [IPv4Address], includeForeignRoutes: Bool = true) {
        self.vxlanDevice = vxlanDevice
        self.underlay = underlay
        self.peers = peers
        self.includeForeignRoutes = includeForeignRoutes
    }

    /// A route of this family in this table: one a dump of the routes reads.
    public static func reads(_ route: RouteMessage) -> Bool {
        route.family == family && route.table == table
    }

    /// Neighbour-table messages of these families are read on the vxlan device: neighbours of
    /// `family` and the bridge's FDB entries.
    public static func readsNeighbors(family messageFamily: UInt8) -> Bool {
        messageFamily == family || messageFamily == NeighborAttributes.bridge
    }

    /// An FDB entry is read unless its VTEP is not IPv4 (the model holds none).
    public static func readsFdb(_ message: NeighborMessage) -> Bool {
        message.family == NeighborAttributes.bridge && !message.hasNonIPv4Destination
    }

    /// Interface addresses of this family are read; others (a device's IPv6 link-local) are not.
    public static func readsAddresses(family messageFamily: UInt8) -> Bool {
        messageFamily == family
    }

    /// Whether a route read from the table is kept.
    public func keeps(_ route: Route) -> Bool {
        includeForeignRoutes || (route.type == .unicast && route.proto != .kernel)
    }
}

/// The live kernel, as one observation: rtnetlink objects, flannel's nf_tables tables (`ip
/// flannel-ipv4`, `ip6 flannel-ipv6`), and the chains of the iptables-nft tables where
/// flannel's iptables-mode rules live, IPv4's and IPv6's (all are read whatever the mode and
/// whatever the families the node runs: the plan removes the other mode's leftovers, as
/// flanneld does, and flannel's IPv6 rules on a node that no longer runs IPv6).
public enum LiveKernel {
    /// The chains read in `ip nat` and `ip filter` (and `ip6 nat`, `ip6 filter`): the base
    /// chains flannel jumps from and flannel's own chains (in both tables: flanneld's nf_tables
    /// mode clean-up looks for `FLANNEL-FWD` in `nat`).
    public static let iptablesChains: [NftTable.Key: [String]] = {
        var chains: [NftTable.Key: [String]] = [:]
        for family in [AddressFamily.inet, .inet6] {
            chains[IptablesNames.nat(family)] = ["POSTROUTING", IptablesNames.masqueradeChain, IptablesNames.forwardChain]
            chains[IptablesNames.filter(family)] = ["FORWARD", IptablesNames.forwardChain, IptablesNames.masqueradeChain]
        }
        return chains
    }()

    public static func observe(_ scope: ObservationScope) throws(NetlinkError) -> ObservedNode {
        var node = try Observer.observe(scope)
        let (tables, generation) = try NftReader.readFlannelState(tables: NftTable.flannelKeys, chains: iptablesChains)
        for table in tables { node.state.tables[table.key] = table }
        node.nftGeneration = generation
        return node
    }
}
