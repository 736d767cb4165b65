import NetState

/// flanneld's `subnet.env` (`--subnet-file`, default `/run/flannel/subnet.env`) read back as
/// an input: on a node without a net-conf file it is where `Network`, the node's own subnet,
/// the MTU and the ip-masq setting come from.
///
/// A hostile input like any other: `KEY=VALUE` lines (blank lines and `#` comments allowed),
/// keys flannel does not write ignored (the IPv6 lines are accepted and not used yet), a bad
/// value of a known key refused naming the file and the key. `FLANNEL_NETWORK` is required;
/// the rest is optional.
public struct SubnetEnvFile: Hashable, Sendable {
    /// `FLANNEL_NETWORK`.
    public var network: IPv4Prefix
    /// `FLANNEL_SUBNET` as the lease it was written from: `10.244.1.1/24` → `10.244.1.0/24`.
    public var lease: IPv4Prefix?
    /// `FLANNEL_MTU`: the MTU flannel gave pods (vxlan: the device's MTU).
    public var mtu: UInt32?
    /// `FLANNEL_IPMASQ`.
    public var ipMasq: Bool?

    public init(network: IPv4Prefix, lease: IPv4Prefix? = nil, mtu: UInt32? = nil, ipMasq: Bool? = nil) {
        self.network = network
        self.lease = lease
        self.mtu = mtu
        self.ipMasq = ipMasq
    }
}

public enum SubnetEnvReader {
    /// Parses `bytes`, read from `source` (named in every error).
    public static func parse(_ bytes: [UInt8], source: String) throws(InputError) -> SubnetEnvFile {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw InputError(.malformed, source: source, "not UTF-8 text")
        }
        var network: IPv4Prefix?
        var lease: IPv4Prefix?
        var mtu: UInt32?
        var ipMasq: Bool?
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
            switch key {
            case "FLANNEL_NETWORK", "FLANNEL_SUBNET", "FLANNEL_MTU", "FLANNEL_IPMASQ":
                guard seen.insert(key).inserted else {
                    throw InputError(.malformed, source: source, field: String(key), "given twice")
                }
            default:
                continue  // FLANNEL_IPV6_NETWORK, FLANNEL_IPV6_SUBNET, and whatever a later flannel adds
            }
            switch key {
            case "FLANNEL_NETWORK":
                guard let prefix = IPv4Prefix(value), prefix.length > 0 else { throw invalid("an IPv4 network (CIDR)") }
                network = prefix
            case "FLANNEL_SUBNET":
                guard let address = InterfaceAddress(value), case let .v4(ip) = address.address, address.length > 0 else {
                    throw invalid("an IPv4 address with a prefix length (10.244.1.1/24)")
                }
                lease = IPv4Prefix(address: ip, length: address.length)
            case "FLANNEL_MTU":
                guard let number = UInt32(value), LinkFacts.mtuRange.contains(number) else {
                    throw invalid("an MTU (\(LinkFacts.mtuRange.lowerBound) to \(LinkFacts.mtuRange.upperBound))")
                }
                mtu = number
            default:
                guard value == "true" || value == "false" else { throw invalid("true or false") }
                ipMasq = value == "true"
            }
        }
        guard let network else {
            throw InputError(.missingField, source: source, field: "FLANNEL_NETWORK", "missing: the cluster network is required")
        }
        if let lease, !network.contains(lease.address) {
            throw InputError(.leaseOutsideNetwork, source: source, field: "FLANNEL_SUBNET", "\(lease) is outside FLANNEL_NETWORK \(network)")
        }
        return SubnetEnvFile(network: network, lease: lease, mtu: mtu, ipMasq: ipMasq)
    }
}
