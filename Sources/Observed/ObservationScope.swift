import NetState
import Netlink

/// What the observer reads of a node, defined once: `Observer.observe` reads by it, and
/// `reconcile`'s event filter and targeted repair judge kernel notifications by it, so a
/// notification counts only when it is about something an observation would have read.
///
/// The families and the table are the same for every node: routes of table main of both
/// families; ARP entries on `flannel.<VNI>`, NDISC entries on `flannel-v6.<VNI>`, the FDB
/// entries of both devices (towards VTEPs of either family); addresses of the devices and the
/// underlay, IPv4 of any scope and IPv6 of global scope only (the kernel gives every device an
/// `fe80::` link-local address, which flannel neither makes nor deletes). The rest comes from
/// the node's inputs.
public struct ObservationScope: Hashable, Sendable {
    /// The address families of the routes read, IPv4 first.
    public static let families: [AddressFamily] = [.inet, .inet6]
    /// The routing table read.
    public static let table = RouteTable.main

    /// `flannel.<VNI>`; its absence is normal (nil `state.vxlan`, no neighbours or fdb entries).
    public var vxlanDevice: String
    /// `flannel-v6.<VNI>`; its absence is normal too (nil `state.vxlan6`).
    public var vxlan6Device: String
    /// The underlay device, or nil for the device of the lowest-metric default route in `table`.
    public var underlay: String?
    /// Peer public IPs of either family to ask the kernel about (one batched `RTM_GETROUTE`
    /// each).
    public var peers: [IPAddress]
    /// When false, only routes that could be owned are kept (unicast, not `proto kernel`);
    /// when true every route of the table is kept, so the planner and a snapshot see it whole.
    public var includeForeignRoutes: Bool

    /// - Parameter vxlan6Device: nil for flannel's name beside `vxlanDevice` (`flannel.1` →
    ///   `flannel-v6.1`).
    public init(
        vxlanDevice: String, vxlan6Device: String? = nil, underlay: String?, peers: [IPAddress],
        includeForeignRoutes: Bool = true
    ) {
        self.vxlanDevice = vxlanDevice
        self.vxlan6Device = vxlan6Device ?? VxlanLink.ipv6DeviceName(for: vxlanDevice)
        self.underlay = underlay
        self.peers = peers
        self.includeForeignRoutes = includeForeignRoutes
    }

    /// The vxlan device of `family`.
    public func vxlanDevice(_ family: AddressFamily) -> String { family == .inet ? vxlanDevice : vxlan6Device }

    /// A route of a read family in the read table: one a dump of the routes reads.
    public static func reads(_ route: RouteMessage) -> Bool {
        (route.family == AddressFamily.inet.rawValue || route.family == AddressFamily.inet6.rawValue) && route.table == table
    }

    /// Neighbour-table messages of these families are read on the vxlan devices: ARP and
    /// NDISC entries and the FDB entries.
    public static func readsNeighbors(family messageFamily: UInt8) -> Bool {
        readsNeighborEntries(family: messageFamily) || messageFamily == NeighborAttributes.bridge
    }

    /// ARP (`AF_INET`) and NDISC (`AF_INET6`) entries: neighbours, not FDB entries.
    public static func readsNeighborEntries(family messageFamily: UInt8) -> Bool {
        messageFamily == AddressFamily.inet.rawValue || messageFamily == AddressFamily.inet6.rawValue
    }

    /// The family of the neighbours read on `device`: IPv4 on `flannel.<VNI>`, IPv6 on
    /// `flannel-v6.<VNI>`, nil on any other device.
    public func neighborFamily(onDevice device: String) -> AddressFamily? {
        if device == vxlanDevice { return .inet }
        if device == vxlan6Device { return .inet6 }
        return nil
    }

    /// An FDB entry of a vxlan device is read whatever its VTEP's family.
    public static func readsFdb(_ message: NeighborMessage) -> Bool {
        message.family == NeighborAttributes.bridge
    }

    /// An interface address is read when it is IPv4, or IPv6 of global scope: never a
    /// device's `fe80::` link-local address, which comes and goes with the device.
    public static func reads(_ address: AddressMessage) -> Bool {
        switch address.family {
        case AddressFamily.inet.rawValue: true
        case AddressFamily.inet6.rawValue: address.scope == .universe
        default: false
        }
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
