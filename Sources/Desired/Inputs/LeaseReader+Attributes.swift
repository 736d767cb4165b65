import NetState

extension LeaseReader {
    /// Builds a lease from flannel's lease JSON (`lease.LeaseAttrs`:
    /// `{"PublicIP":…,"PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":…}}`),
    /// whose keys match case-insensitively as Go decodes them. `attributes.path` is prefixed by the
    /// lease key, so errors read `<key>: BackendData.VtepMAC: …`.
    static func lease(key: String, subnet: IPv4Prefix, attributes: InputObject) throws(InputError) -> Lease {
        guard let publicIPValue = attributes.field("PublicIP") else {
            throw attributes.path.appending("PublicIP").error(
                .missingField, "required: the node's IPv4 address, such as \"192.168.64.3\"")
        }
        let publicIP = try publicIPValue.ipv4Address(example: "192.168.64.3")
        _ = try attributes.field("PublicIPv6")?.string()
        let backendType = try backendType(attributes.field("BackendType"))
        let (vtepMAC, vni) = try backendData(attributes.field("BackendData"))
        return Lease(
            key: key, subnet: subnet, publicIP: publicIP, backendType: backendType, vtepMAC: vtepMAC, vni: vni)
    }

    /// What can still be read of a record that did not parse: its PublicIP and VtepMAC when
    /// those fields themselves are fine (the record failed on another one).
    static func salvage(_ attributes: InputObject?) -> (IPv4Address?, MACAddress?) {
        guard let attributes else { return (nil, nil) }
        let publicIP = try? attributes.field("PublicIP")?.ipv4Address(example: "")
        let vtepMAC = try? attributes.field("BackendData")?.object().field("VtepMAC")?.macAddress()
        return (publicIP ?? nil, vtepMAC ?? nil)
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

    /// `BackendData` of a vxlan lease: `{"VNI":1,"VtepMAC":"c6:d2:32:6f:8f:44"}`; absent or null
    /// for host-gw. Whether a vxlan lease lacks its VtepMAC is for the engine to judge.
    static func backendData(_ value: InputValue?) throws(InputError) -> (MACAddress?, UInt32?) {
        guard let value else { return (nil, nil) }
        let data = try value.object()
        let vtepMAC = try data.field("VtepMAC")?.macAddress()
        let vni = try data.field("VNI")?.integer(in: 0...NetConfReader.maximumVNI)
        return (vtepMAC, vni.map { UInt32($0) })
    }

    /// The IPv4 subnet named by the last component of an etcd key: `10.244.1.0-24`, or the dual-stack
    /// `10.244.1.0-24&fc00::-64`, whose IPv6 half this tool does not program.
    static func subnet(ofKey key: String, path: InputPath) throws(InputError) -> IPv4Prefix {
        // `…/subnets/10.244.1.0-24` or `…/10.244.1.0-24&fc00::-64`, read without splitting: lease
        // listings hold thousands of keys.
        let utf8 = key.utf8
        let start = utf8.lastIndex(of: UInt8(ascii: "/")).map { utf8.index(after: $0) } ?? utf8.startIndex
        let last = key[start...]
        let ipv4Part = last.utf8.firstIndex(of: UInt8(ascii: "&")).map { last[..<$0] } ?? last
        if let dash = ipv4Part.utf8.lastIndex(of: UInt8(ascii: "-")), let address = IPv4Address(ipv4Part[..<dash]) {
            let lengthText = ipv4Part[ipv4Part.index(after: dash)...]
            if (1...2).contains(lengthText.utf8.count), lengthText.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
               let length = UInt8(lengthText), length <= 32,
               address.value & ~IPv4Prefix.mask(length) == 0 {
                return IPv4Prefix(address: address, length: length)
            }
        }
        throw path.error(
            .invalidValue,
            "expected the key to end in an IPv4 subnet such as 10.244.1.0-24, found \(String(last).debugDescription)")
    }
}
