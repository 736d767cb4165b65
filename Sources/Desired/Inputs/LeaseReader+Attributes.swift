import NetState

extension LeaseReader {
    /// Builds a lease from flannel's lease JSON (`subnet.LeaseAttrs`, v0.20.2 `subnet/subnet.go:37–43`:
    /// `{"PublicIP":…,"PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":…},
    /// "BackendV6Data":{…}}`), whose keys match case-insensitively as Go decodes them, and the
    /// subnets of its key. `attributes.path` is prefixed by the lease key, so errors read
    /// `<key>: BackendData.VtepMAC: …`.
    ///
    /// `PublicIPv6` is decoded whatever the key says, as `json.Unmarshal` decodes every field (a
    /// bad one fails the whole record in flannel too); `BackendV6Data` only for a key with an
    /// IPv6 half, the only leases whose IPv6 backend data flannel's vxlan backend decodes
    /// (`EnableIPv6` is "the key has an `&` half", `subnet/etcd/registry.go:404`).
    static func lease(key: String, subnets: LeaseKeySubnets, attributes: InputObject) throws(InputError) -> Lease {
        guard let publicIPValue = attributes.field("PublicIP") else {
            throw attributes.path.appending("PublicIP").error(
                .missingField, "required: the node's IPv4 address, such as \"192.168.64.3\"")
        }
        let publicIP = try publicIPValue.ipv4Address(example: "192.168.64.3")
        let publicIPv6 = try attributes.field("PublicIPv6").map { value throws(InputError) in try Self.publicIPv6(value) }
        let backendType = try backendType(attributes.field("BackendType"))
        let (vtepMAC, vni) = try backendData(attributes.field("BackendData"))
        let (vtepMAC6, vni6) = subnets.ipv6 == nil ? (nil, nil) : try backendData(attributes.field("BackendV6Data"))
        return Lease(
            key: key, subnet: subnets.ipv4, publicIP: publicIP, backendType: backendType, vtepMAC: vtepMAC, vni: vni,
            subnet6: subnets.ipv6, publicIPv6: publicIPv6, vtepMAC6: vtepMAC6, vni6: vni6)
    }

    /// What can still be read of a record that did not parse: the subnets of its key, each half
    /// on its own (a bad `&` half keeps the IPv4 subnet protected), and its public addresses and
    /// VtepMACs when those fields themselves are fine.
    static func salvage(key: String, _ attributes: InputObject?) -> LeaseSalvage {
        let (ipv4Part, ipv6Part) = keySubnetParts(key)
        var salvage = LeaseSalvage(
            subnet: ipv4KeySubnet(ipv4Part), subnet6: ipv6Part.flatMap { IPv6Prefix(leaseKey: $0) })
        guard let attributes else { return salvage }
        salvage.publicIP = (try? attributes.field("PublicIP")?.ipv4Address(example: "")) ?? nil
        salvage.vtepMAC = (try? attributes.field("BackendData")?.object().field("VtepMAC")?.macAddress()) ?? nil
        salvage.publicIPv6 = attributes.field("PublicIPv6").flatMap { try? publicIPv6($0) }
        salvage.vtepMAC6 = (try? attributes.field("BackendV6Data")?.object().field("VtepMAC")?.macAddress()) ?? nil
        return salvage
    }

    /// A lease's `PublicIPv6` (or a node's `public-ipv6` annotation), read as flannel's
    /// `ip.ParseIP6` reads it (`pkg/ip/ip6net.go:41–47`): Go's `net.ParseIP`, which also takes an
    /// IPv4 text and makes it IPv4-mapped (`::ffff:192.168.64.3`). Such an address parses, as in
    /// flannel, and the screening then refuses it as no node's IPv6 address, in the IPv6 family
    /// only: the peer's IPv4 half, which flannel would program, is not lost to it.
    static func publicIPv6(_ value: InputValue) throws(InputError) -> IPv6Address {
        let text = try value.string()
        if let address = IPv6Address(text) { return address }
        if let ipv4 = IPv4Address(text) { return IPv6Address(mapping: ipv4) }
        throw value.mismatch("an IPv6 address such as \"fd00::11\"")
    }

    /// A lease's `BackendType` (or a node's `backend-type` annotation). Flannel compares it
    /// exactly (`!= "vxlan"`), so `VXLAN` is refused like any other backend; empty means unset.
    static func backendType(_ value: InputValue?) throws(InputError) -> BackendType? {
        guard let value else { return nil }
        let text = try value.string()
        if text.isEmpty { return nil }
        guard let type = BackendType(rawValue: text) else {
            throw value.path.error(
                .unsupportedBackend,
                "backend \(text.debugDescription) is not supported; \(NetConfReader.supportedBackendsNote)")
        }
        return type
    }

    /// `BackendData` (or `BackendV6Data`) of a vxlan lease: `{"VNI":1,"VtepMAC":"c6:d2:32:6f:8f:44"}`;
    /// absent or null for host-gw. Whether a vxlan lease lacks its VtepMAC is for the engine to judge.
    static func backendData(_ value: InputValue?) throws(InputError) -> (MACAddress?, UInt32?) {
        guard let value else { return (nil, nil) }
        let data = try value.object()
        let vtepMAC = try data.field("VtepMAC")?.macAddress()
        let vni = try data.field("VNI")?.integer(in: 0...NetConfReader.maximumVNI)
        return (vtepMAC, vni.map { UInt32($0) })
    }
}

/// The subnets an etcd lease key names: `…/subnets/10.244.1.0-24`, or the dual-stack
/// `…/subnets/10.244.1.0-24&fd00:10:244:1::-64` (flannel's `MakeSubnetKey`). etcd keys always
/// carry the IPv4 half: flannel v0.20.2's etcd subnet manager allocates one for every lease.
struct LeaseKeySubnets: Hashable, Sendable {
    var ipv4: IPv4Prefix
    var ipv6: IPv6Prefix?
}

extension LeaseReader {
    /// The subnets named by the last component of an etcd key, read as flannel's
    /// `ParseSubnetKey` reads them (v0.20.2 `subnet/subnet.go:35`, pattern
    /// `(\d+\.\d+.\d+.\d+)-(\d+)(?:&([a-f\d:]+)-(\d+))?$`, and lines 106–131), with no host bits
    /// set in either half. A key flannel would not parse is refused: flannel ignores the record
    /// ("Ignoring bad subnet node"), so its peer is skipped.
    static func subnets(ofKey key: String, path: InputPath) throws(InputError) -> LeaseKeySubnets {
        let (ipv4Part, ipv6Part) = keySubnetParts(key)
        guard let ipv4 = ipv4KeySubnet(ipv4Part) else {
            let last = ipv6Part.map { ipv4Part + "&" + $0 } ?? ipv4Part
            throw path.error(
                .invalidValue,
                "expected the key to end in an IPv4 subnet such as 10.244.1.0-24, found \(String(last).debugDescription)")
        }
        guard let ipv6Part else { return LeaseKeySubnets(ipv4: ipv4) }
        guard let ipv6 = IPv6Prefix(leaseKey: ipv6Part) else {
            throw path.error(
                .invalidValue,
                "expected the key's IPv6 half (after \"&\") to be a subnet such as fd00:10:244:1::-64 (lower-case hex "
                    + "digits and colons, a prefix length of 0 to 127, no host bits set, as flannel's ParseSubnetKey "
                    + "reads it), found \(String(ipv6Part.prefix(64)).debugDescription)")
        }
        return LeaseKeySubnets(ipv4: ipv4, ipv6: ipv6)
    }

    /// The key's last component split at its first `&`: `10.244.1.0-24` and `fd00:10:244:1::-64`
    /// (nil without `&`). Read without splitting the whole key: lease listings hold thousands.
    static func keySubnetParts(_ key: String) -> (Substring, Substring?) {
        let utf8 = key.utf8
        let start = utf8.lastIndex(of: UInt8(ascii: "/")).map { utf8.index(after: $0) } ?? utf8.startIndex
        let last = key[start...]
        guard let ampersand = last.utf8.firstIndex(of: UInt8(ascii: "&")) else { return (last, nil) }
        return (last[..<ampersand], last[last.utf8.index(after: ampersand)...])
    }

    /// `10.244.1.0-24` as an IPv4 subnet: a length of one or two digits up to 32, no host bits.
    static func ipv4KeySubnet(_ part: Substring) -> IPv4Prefix? {
        guard let dash = part.utf8.lastIndex(of: UInt8(ascii: "-")), let address = IPv4Address(part[..<dash]) else { return nil }
        let lengthText = part[part.index(after: dash)...]
        guard (1...2).contains(lengthText.utf8.count), lengthText.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
              let length = UInt8(lengthText), length <= 32, address.value & ~IPv4Prefix.mask(length) == 0
        else { return nil }
        return IPv4Prefix(address: address, length: length)
    }
}
