/// What the desired state needs to know about this node's underlay: which interface carries
/// the cluster traffic, its MTU and addresses, and which peers it reaches directly.
///
/// Offline these come from flags (`--iface`, `--iface-mtu`, `--on-link`); live, from the
/// kernel, where on-link is answered the way flannel answers it: a route lookup for the peer's
/// IP that yields one route without a gateway.
public struct LinkFacts: Hashable, Sendable {
    public var underlay: String
    public var mtu: UInt32
    /// Where `mtu` came from, as an error about it names it: `--iface-mtu`, `the live
    /// interface eth0`, `snapshot node.json`. A label, not a fact: it is not saved in
    /// snapshots and two facts differing only in it are equal.
    public var mtuSource: String
    public var addresses: [InterfaceAddress]
    /// Networks whose addresses are on-link (connected networks of the underlay, `--on-link`).
    public var onLinkNetworks: [IPPrefix]
    /// Answers of the kernel's route lookup per peer IP (either family); they win over
    /// `onLinkNetworks`.
    public var routeLookups: [IPAddress: Bool]

    /// The underlay MTUs that make sense: IPv4's minimum datagram (RFC 791: 68 bytes) to its
    /// largest packet, 65535, the range net-conf's `Backend.MTU` takes too. Flags and snapshots
    /// are checked against it where they are read: 4294967295 is a typo, not an MTU, and would
    /// otherwise become a vxlan MTU of 4294967245. (The loopback's 65536 is outside it; the
    /// loopback is no underlay.)
    public static let mtuRange: ClosedRange<UInt32> = 68...65535

    /// `4294967295 is not an interface MTU (68 to 65535)`: one wording for every source.
    public static func mtuRefusal(_ mtu: UInt32) -> String? {
        mtuRange.contains(mtu) ? nil : "\(mtu) is not an interface MTU (\(mtuRange.lowerBound) to \(mtuRange.upperBound))"
    }

    public init(
        underlay: String, mtu: UInt32 = 1500, mtuSource: String = "the underlay MTU", addresses: [InterfaceAddress] = [],
        onLinkNetworks: [IPPrefix] = [], routeLookups: [IPAddress: Bool] = [:]
    ) {
        self.underlay = underlay
        self.mtu = mtu
        self.mtuSource = mtuSource
        self.addresses = addresses
        self.onLinkNetworks = onLinkNetworks
        self.routeLookups = routeLookups
    }

    public static func == (lhs: LinkFacts, rhs: LinkFacts) -> Bool {
        lhs.underlay == rhs.underlay && lhs.mtu == rhs.mtu && lhs.addresses == rhs.addresses
            && lhs.onLinkNetworks == rhs.onLinkNetworks && lhs.routeLookups == rhs.routeLookups
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(underlay)
        hasher.combine(mtu)
        hasher.combine(addresses)
        hasher.combine(onLinkNetworks)
        hasher.combine(routeLookups)
    }

    public func isOnLink(_ ip: IPAddress) -> Bool {
        routeLookups[ip] ?? onLinkNetworks.contains { $0.contains(ip) }
    }

    public func isOnLink(_ ip: IPv4Address) -> Bool { isOnLink(.v4(ip)) }

    public func isLocal(_ ip: IPAddress) -> Bool { addresses.contains { $0.address == ip } }

    public func isLocal(_ ip: IPv4Address) -> Bool { isLocal(.v4(ip)) }
}
