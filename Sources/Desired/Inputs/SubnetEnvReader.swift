import NetState

/// flanneld's `subnet.env` (`--subnet-file`, default `/run/flannel/subnet.env`) read back as
/// an input: on a node without a net-conf file it is where the networks, the node's own
/// subnets, the MTU and the ip-masq setting come from.
///
/// flanneld writes the IPv4 lines with `EnableIPv4` and the IPv6 lines with `EnableIPv6`
/// (v0.20.2 `main.go:479–518`, `WriteSubnetFile`), so a file holds one family's pair, the
/// other's, or both: which are there says which families the node runs.
///
/// A hostile input like any other: `KEY=VALUE` lines (blank lines and `#` comments allowed),
/// keys flannel does not write ignored, a bad value of a known key refused naming the file and
/// the key. A network (`FLANNEL_NETWORK` or `FLANNEL_IPV6_NETWORK`) is required; a subnet
/// needs its family's network.
public struct SubnetEnvFile: Hashable, Sendable {
    /// `FLANNEL_NETWORK`; nil on an IPv6-only node.
    public var network: IPv4Prefix?
    /// `FLANNEL_SUBNET` as the lease it was written from: `10.244.1.1/24` → `10.244.1.0/24`.
    public var lease: IPv4Prefix?
    /// `FLANNEL_IPV6_NETWORK`; nil when the node does not run IPv6.
    public var ipv6Network: IPv6Prefix?
    /// `FLANNEL_IPV6_SUBNET` as its lease: `fd00:10:244:1::1/64` → `fd00:10:244:1::/64`.
    public var ipv6Lease: IPv6Prefix?
    /// `FLANNEL_MTU`: the MTU flannel gave pods (vxlan: the device's MTU).
    public var mtu: UInt32?
    /// `FLANNEL_IPMASQ`.
    public var ipMasq: Bool?

    public init(
        network: IPv4Prefix?, lease: IPv4Prefix? = nil, ipv6Network: IPv6Prefix? = nil, ipv6Lease: IPv6Prefix? = nil,
        mtu: UInt32? = nil, ipMasq: Bool? = nil
    ) {
        self.network = network
        self.lease = lease
        self.ipv6Network = ipv6Network
        self.ipv6Lease = ipv6Lease
        self.mtu = mtu
        self.ipMasq = ipMasq
    }

    /// The networks as one phrase for headers: `FLANNEL_NETWORK 10.244.0.0/16,
    /// FLANNEL_IPV6_NETWORK fd00:10:244::/56`.
    public var networksDescription: String {
        [network.map { "FLANNEL_NETWORK \($0)" }, ipv6Network.map { "FLANNEL_IPV6_NETWORK \($0)" }]
            .compactMap { $0 }.joined(separator: ", ")
    }
}

public enum SubnetEnvReader {
    /// The keys flanneld writes; others are ignored (a later flannel may add some).
    private static let knownKeys: Set<Substring> = [
        "FLANNEL_NETWORK", "FLANNEL_SUBNET", "FLANNEL_IPV6_NETWORK", "FLANNEL_IPV6_SUBNET", "FLANNEL_MTU", "FLANNEL_IPMASQ",
    ]

    /// Parses `bytes`, read from `source` (named in every error).
    public static func parse(_ bytes: [UInt8], source: String) throws(InputError) -> SubnetEnvFile {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw InputError(.malformed, source: source, "not UTF-8 text")
        }
        var env = SubnetEnvFile(network: nil)
        var seen = Set<Substring>()
        // `\r\n` is one Character in Swift: split on both, so a file saved on Windows reads too.
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        for (number, line) in lines.enumerated() {
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) || line.first == "#" { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw InputError(.malformed, source: source, field: "line \(number + 1)", "expected KEY=VALUE")
            }
            let key = line[..<equals]
            let value = String(line[line.index(after: equals)...])
            func invalid(_ expected: String) -> InputError {
                InputError(.invalidValue, source: source, field: String(key), "\"\(value.prefix(64))\" is not \(expected)")
            }
            guard knownKeys.contains(key) else { continue }
            guard seen.insert(key).inserted else {
                throw InputError(.malformed, source: source, field: String(key), "given twice")
            }
            switch key {
            case "FLANNEL_NETWORK":
                guard let prefix = IPv4Prefix(value), prefix.length > 0 else { throw invalid("an IPv4 network (CIDR)") }
                env.network = prefix
            case "FLANNEL_SUBNET":
                guard let address = InterfaceAddress(value), case let .v4(ip) = address.address, address.length > 0 else {
                    throw invalid("an IPv4 address with a prefix length (10.244.1.1/24)")
                }
                env.lease = IPv4Prefix(address: ip, length: address.length)
            case "FLANNEL_IPV6_NETWORK":
                guard let prefix = IPv6Prefix(value), prefix.length > 0 else { throw invalid("an IPv6 network (CIDR)") }
                env.ipv6Network = prefix
            case "FLANNEL_IPV6_SUBNET":
                guard let address = InterfaceAddress(value), case let .v6(ip) = address.address, address.length > 0 else {
                    throw invalid("an IPv6 address with a prefix length (fd00:10:244:1::1/64)")
                }
                env.ipv6Lease = IPv6Prefix(address: ip, length: address.length)
            case "FLANNEL_MTU":
                guard let number = UInt32(value), LinkFacts.mtuRange.contains(number) else {
                    throw invalid("an MTU (\(LinkFacts.mtuRange.lowerBound) to \(LinkFacts.mtuRange.upperBound))")
                }
                env.mtu = number
            default:
                guard value == "true" || value == "false" else { throw invalid("true or false") }
                env.ipMasq = value == "true"
            }
        }
        try check(env, source: source)
        return env
    }

    /// A network is required, each subnet needs its family's network and lies inside it.
    private static func check(_ env: SubnetEnvFile, source: String) throws(InputError) {
        if env.network == nil && env.ipv6Network == nil {
            throw InputError(
                .missingField, source: source, field: "FLANNEL_NETWORK",
                "missing: the cluster network is required (FLANNEL_IPV6_NETWORK alone on an IPv6-only node)")
        }
        if let lease = env.lease {
            guard let network = env.network else {
                throw InputError(.missingField, source: source, field: "FLANNEL_NETWORK", "missing: FLANNEL_SUBNET \(lease) needs its network")
            }
            if !network.contains(lease.address) {
                throw InputError(
                    .leaseOutsideNetwork, source: source, field: "FLANNEL_SUBNET", "\(lease) is outside FLANNEL_NETWORK \(network)")
            }
        }
        if let lease = env.ipv6Lease {
            guard let network = env.ipv6Network else {
                throw InputError(
                    .missingField, source: source, field: "FLANNEL_IPV6_NETWORK", "missing: FLANNEL_IPV6_SUBNET \(lease) needs its network")
            }
            if !network.contains(lease) {
                throw InputError(
                    .leaseOutsideNetwork, source: source, field: "FLANNEL_IPV6_SUBNET",
                    "\(lease) is outside FLANNEL_IPV6_NETWORK \(network)")
            }
        }
    }
}
