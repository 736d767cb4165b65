import NetState

/// A lease record that did not parse (a PublicIP that is not an address, BackendData that is not
/// an object, an annotation that is not JSON). One bad record must not take the node down: it
/// is kept aside with what could be read of it, so its peer is reported as skipped and its
/// objects in the kernel (found by the subnet of its key) are left as they are.
public struct RejectedLease: Hashable, Sendable {
    /// The etcd key or `node/<name>`.
    public var key: String
    public var nodeName: String?
    /// The subnet of the etcd key or of the node's pod CIDR, when it parsed.
    public var subnet: IPv4Prefix?
    public var publicIP: IPv4Address?
    public var vtepMAC: MACAddress?
    /// The IPv6 half, as far as it could be read: the `&` half of the key, `PublicIPv6`,
    /// `BackendV6Data.VtepMAC`.
    public var subnet6: IPv6Prefix?
    public var publicIPv6: IPv6Address?
    public var vtepMAC6: MACAddress?
    /// Why the record was refused, naming the source, the key and the field.
    public var error: InputError

    public init(
        key: String, nodeName: String? = nil, subnet: IPv4Prefix? = nil, publicIP: IPv4Address? = nil,
        vtepMAC: MACAddress? = nil, subnet6: IPv6Prefix? = nil, publicIPv6: IPv6Address? = nil,
        vtepMAC6: MACAddress? = nil, error: InputError
    ) {
        self.key = key
        self.nodeName = nodeName
        self.subnet = subnet
        self.publicIP = publicIP
        self.vtepMAC = vtepMAC
        self.subnet6 = subnet6
        self.publicIPv6 = publicIPv6
        self.vtepMAC6 = vtepMAC6
        self.error = error
    }

    /// What could be read of the record's half of `family`, to protect its objects.
    public func protected(_ family: AddressFamily) -> (subnet: IPPrefix?, publicIP: IPAddress?, vtepMAC: MACAddress?) {
        family == .inet
            ? (subnet.map(IPPrefix.v4), publicIP.map(IPAddress.v4), vtepMAC)
            : (subnet6.map(IPPrefix.v6), publicIPv6.map(IPAddress.v6), vtepMAC6)
    }
}

/// What a lease source holds: the leases that parsed, in input order, and the records that did
/// not.
public struct LeaseReading: Hashable, Sendable {
    public var leases: [Lease]
    public var rejected: [RejectedLease]

    public init(leases: [Lease] = [], rejected: [RejectedLease] = []) {
        self.leases = leases
        self.rejected = rejected
    }

    /// Reads one record; when it fails, keeps the record with whatever `salvage` finds of it
    /// (its subnets, public addresses and VtepMACs, each family's), so the peer's objects in
    /// both families, FDB entries included, are protected too.
    mutating func append(key: String, salvage: () -> LeaseSalvage, _ read: () throws(InputError) -> Lease) {
        do {
            leases.append(try read())
        } catch {
            rejected.append(RejectedLease(key: key, salvage: salvage(), error: error))
        }
    }
}

/// What could still be read of a record that did not parse, field by field: each part is set
/// only when that field is fine on its own (the record failed on another one).
struct LeaseSalvage: Hashable, Sendable {
    var nodeName: String?
    var subnet: IPv4Prefix?
    var publicIP: IPv4Address?
    var vtepMAC: MACAddress?
    var subnet6: IPv6Prefix?
    var publicIPv6: IPv6Address?
    var vtepMAC6: MACAddress?
}

extension RejectedLease {
    init(key: String, salvage: LeaseSalvage, error: InputError) {
        self.init(
            key: key, nodeName: salvage.nodeName, subnet: salvage.subnet, publicIP: salvage.publicIP, vtepMAC: salvage.vtepMAC,
            subnet6: salvage.subnet6, publicIPv6: salvage.publicIPv6, vtepMAC6: salvage.vtepMAC6, error: error)
    }
}

/// One etcd record read on its own (a watch event's): a lease, or a record that did not parse.
public enum EtcdRecord: Hashable, Sendable {
    case lease(Lease)
    case rejected(RejectedLease)

    /// The etcd key.
    public var key: String {
        switch self {
        case .lease(let lease): lease.key
        case .rejected(let rejected): rejected.key
        }
    }
}
