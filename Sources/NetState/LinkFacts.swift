/// What the desired state needs to know about this node's underlay: which interface carries
/// the cluster traffic, its MTU and addresses, and which peers it reaches directly.
///
/// Offline these come from flags (`--iface`, `--iface-mtu`, `--on-link`); live, from the
/// kernel, where on-link is answered the way flannel answers it: a route lookup for the peer's
/// IP that yields one route without a gateway.
public struct LinkFacts: Hashable, Sendable, Codable {
    public var underlay: String
    public var mtu: UInt32
    public var addresses: [InterfaceAddress]
    /// Networks whose addresses are on-link (connected networks of the underlay, `--on-link`).
    public var onLinkNetworks: [IPv4Prefix]
    /// Answers of the kernel's route lookup per peer IP; they win over `onLinkNetworks`.
    public var routeLookups: [IPv4Address: Bool]

    public init(
        underlay: String, mtu: UInt32 = 1500, addresses: [InterfaceAddress] = [], onLinkNetworks: [IPv4Prefix] = [],
        routeLookups: [IPv4Address: Bool] = [:]
    ) {
        self.underlay = underlay
        self.mtu = mtu
        self.addresses = addresses
        self.onLinkNetworks = onLinkNetworks
        self.routeLookups = routeLookups
    }

    public func isOnLink(_ ip: IPv4Address) -> Bool {
        routeLookups[ip] ?? onLinkNetworks.contains { $0.contains(ip) }
    }

    public func isLocal(_ ip: IPv4Address) -> Bool { addresses.contains { $0.address == ip } }

    private enum CodingKeys: String, CodingKey { case underlay, mtu, addresses, onLinkNetworks, routeLookups }

    private struct Lookup: Codable {
        var ip: IPv4Address
        var onLink: Bool
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        underlay = try container.decode(String.self, forKey: .underlay)
        mtu = try container.decodeIfPresent(UInt32.self, forKey: .mtu) ?? 1500
        addresses = try container.decodeIfPresent([InterfaceAddress].self, forKey: .addresses) ?? []
        onLinkNetworks = try container.decodeIfPresent([IPv4Prefix].self, forKey: .onLinkNetworks) ?? []
        let lookups = try container.decodeIfPresent([Lookup].self, forKey: .routeLookups) ?? []
        routeLookups = Dictionary(lookups.map { ($0.ip, $0.onLink) }, uniquingKeysWith: { $1 })
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(underlay, forKey: .underlay)
        try container.encode(mtu, forKey: .mtu)
        try container.encode(addresses, forKey: .addresses)
        try container.encode(onLinkNetworks, forKey: .onLinkNetworks)
        try container.encode(
            routeLookups.sorted { $0.key < $1.key }.map { Lookup(ip: $0.key, onLink: $0.value) },
            forKey: .routeLookups
        )
    }
}
