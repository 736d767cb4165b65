import NetState

extension LeaseReader {
    /// flannel's default `--kube-annotation-prefix`, as annotation keys spell it.
    static let annotationPrefix = "flannel.alpha.coreos.com/"

    /// Format 3: `kubectl get nodes -o json` (a `List` or `NodeList`; a single `Node` from
    /// `kubectl get node NAME -o json` is read too). Kubernetes keys are case-sensitive. As in
    /// flannel's kube subnet manager, a node counts only when its `kube-subnet-manager`
    /// annotation is `"true"`; the others are skipped.
    static func readKubectl(_ top: InputObject) throws(InputError) -> LeaseReading {
        let kindValue = top.exactField("kind")
        let kind = try kindValue?.string()
        let nodes: [InputValue]
        switch kind {
        case "Node":
            nodes = [InputValue(.object(top.members), at: top.path)]
        case nil, "List", "NodeList":
            guard let items = top.exactField("items") else {
                throw top.path.appending("items").error(.missingField, "required: the nodes of `kubectl get nodes -o json`")
            }
            nodes = try items.array()
        case let other?:
            throw top.path.appending("kind").error(
                .unknownFormat,
                "expected \"List\", \"NodeList\" or \"Node\" (`kubectl get nodes -o json`), found \(other.debugDescription)")
        }
        var reading = LeaseReading()
        for node in nodes {
            switch try readNode(node, prefix: annotationPrefix) {
            case .lease(let lease): reading.leases.append(lease)
            case .rejected(let record): reading.rejected.append(record)
            case .unmanaged: break
            }
        }
        return reading
    }

    /// One node, as flannel's kube subnet manager sees it: its lease, nothing (a node flannel
    /// does not manage), or a record that did not parse. Throws only when the value is not an
    /// object at all. Shared by `kubectl get nodes -o json` files and the agent's API source.
    static func readNode(_ node: InputValue, prefix: String) throws(InputError) -> KubeNodeOutcome {
        let object = try node.object()
        do {
            return try nodeLease(object, prefix: prefix).map { .lease($0) } ?? .unmanaged
        } catch {
            // One node's broken annotation is that peer's problem, not the cluster's.
            let name = try? object.exactField("metadata")?.object().exactField("name")?.string()
            let key = name.map { "node/\($0)" } ?? node.path.field ?? "a node"
            var salvage = salvage(node: object, prefix: prefix)
            salvage.nodeName = name
            if name == nil { (salvage.subnet, salvage.subnet6) = (nil, nil) }
            return .rejected(RejectedLease(key: key, salvage: salvage, error: error))
        }
    }

    /// What can still be read of a node whose lease did not parse: its pod CIDRs, the
    /// `public-ip`/`public-ipv6` annotations and the VtepMACs of `backend-data`/`backend-v6-data`,
    /// each when it is fine on its own.
    private static func salvage(node: InputObject, prefix: String) -> LeaseSalvage {
        var salvage = LeaseSalvage()
        let spec = try? node.exactField("spec")?.object()
        let list = (try? spec?.exactField("podCIDRs")?.array()).flatMap { $0 } ?? []
        for value in list.isEmpty ? [spec?.exactField("podCIDR")].compactMap({ $0 }) : list {
            guard let text = try? value.string() else { continue }
            if text.contains(":") {
                if salvage.subnet6 == nil { salvage.subnet6 = IPv6Prefix(text, strict: true) }
            } else if salvage.subnet == nil {
                salvage.subnet = IPv4Prefix(text, strict: true)
            }
        }
        guard let metadata = try? node.exactField("metadata")?.object(),
              let annotations = try? metadata.exactField("annotations")?.object()
        else { return salvage }
        func text(_ suffix: String) -> String? { (try? annotations.exactField(prefix + suffix)?.string()) ?? nil }
        func vtepMAC(_ suffix: String) -> MACAddress? {
            guard let data = text(suffix), case .object(let members)? = try? InputJSONParser.parse(Array(data.utf8)) else {
                return nil
            }
            return (try? InputObject(members: members, path: annotations.path).field("VtepMAC")?.macAddress()) ?? nil
        }
        salvage.publicIP = text("public-ip").flatMap(IPv4Address.init)
        salvage.publicIPv6 = annotations.exactField(prefix + "public-ipv6").flatMap { try? publicIPv6($0) }
        salvage.vtepMAC = vtepMAC("backend-data")
        salvage.vtepMAC6 = vtepMAC("backend-v6-data")
        return salvage
    }

    /// The lease flannel's kube subnet manager builds from a node (v0.20.2 `subnet/kube/kube.go`
    /// `nodeToLease`, lines 436–505), or nil for a node flannel does not manage (`kube.go:216`:
    /// the `kube-subnet-manager` annotation is not `"true"`).
    ///
    /// flannel reads each family's half only when that family is enabled; this reader does not
    /// know the net-conf, so it reads every half the node has (a half is there when the node
    /// has a pod CIDR of that family) and the desired state ignores a disabled family's. A
    /// value that is present but does not parse refuses the record. A missing public address
    /// refuses it only when the node has no other half: a dual-stack node whose `public-ipv6`
    /// is missing (a cluster running flannel IPv4-only) or whose `public-ip` is (flannel
    /// IPv6-only on a dual-stack cluster: its vxlan backend writes no IPv4 annotations) is a
    /// lease whose half lacks its address, skipped in that family alone if the family is on.
    private static func nodeLease(_ node: InputObject, prefix annotationPrefix: String) throws(InputError) -> Lease? {
        if let kindValue = node.exactField("kind"), try kindValue.string() != "Node" {
            throw kindValue.mismatch("\"Node\"")
        }
        guard let metadataValue = node.exactField("metadata") else {
            throw node.path.appending("metadata").error(.missingField, "required: the node's metadata")
        }
        let metadata = try metadataValue.object()
        guard let nameValue = metadata.exactField("name") else {
            throw metadata.path.appending("name").error(.missingField, "required: the node's name")
        }
        let name = try nameValue.string()
        let key = "node/\(name)"
        let leasePath = InputPath(source: node.path.source, prefix: key)
        let annotationsPath = leasePath.appending("metadata").appending("annotations")
        var annotations: InputObject?
        if let annotationsValue = metadata.exactField("annotations") {
            annotations = try InputValue(annotationsValue.json, at: annotationsPath).object()
        }
        func annotation(_ suffix: String) throws(InputError) -> InputValue? {
            let fullName = annotationPrefix + suffix
            guard let member = annotations?.members.last(where: { $0.key == fullName }) else { return nil }
            var path = leasePath.appending("metadata")
            // The prefix is checked (`KubeAnnotationPrefix`: no quote or backslash), so the name
            // needs no escaping; `debugDescription` here was a twentieth of a node's reading.
            path.components.append("annotations[\"" + fullName + "\"]")
            let value = InputValue(member.value, at: path)
            _ = try value.string()
            return value
        }

        guard let managed = try annotation("kube-subnet-manager"), try managed.string() == "true" else { return nil }
        let (subnet, subnet6) = try podSubnets(node, name: name, leasePath: leasePath)
        let publicIPValue = try annotation("public-ip")
        if publicIPValue == nil, subnet6 == nil {
            throw leasePath.error(.missingField, "the annotation \(annotationPrefix)public-ip is missing; expected the node's IPv4 address")
        }
        let publicIP = try publicIPValue?.ipv4Address(example: "192.168.64.3")
        let publicIPv6Value = try annotation("public-ipv6")
        if publicIPv6Value == nil, subnet == nil {
            throw leasePath.error(
                .missingField, "the annotation \(annotationPrefix)public-ipv6 is missing; expected the node's IPv6 address")
        }
        let publicIPv6 = try publicIPv6Value.map { value throws(InputError) in try Self.publicIPv6(value) }
        let backendType = try backendType(try annotation("backend-type"))
        let (vtepMAC, vni) = subnet == nil ? (nil, nil) : try annotationBackendData(try annotation("backend-data"))
        let (vtepMAC6, vni6) = subnet6 == nil ? (nil, nil) : try annotationBackendData(try annotation("backend-v6-data"))
        return Lease(
            key: key, nodeName: name, subnet: subnet, publicIP: publicIP, backendType: backendType, vtepMAC: vtepMAC,
            vni: vni, subnet6: subnet6, publicIPv6: publicIPv6, vtepMAC6: vtepMAC6, vni6: vni6)
    }

    /// `backend-data` / `backend-v6-data`: the backend data's JSON in a string; empty or `null`
    /// (host-gw) means none.
    private static func annotationBackendData(_ value: InputValue?) throws(InputError) -> (MACAddress?, UInt32?) {
        guard let value else { return (nil, nil) }
        let text = try value.string()
        if text.isEmpty { return (nil, nil) }
        let document: InputJSON
        do {
            document = try InputJSONParser.parse(Array(text.utf8))
        } catch {
            throw value.path.malformedJSON(error, embedded: true)
        }
        if document == .null { return (nil, nil) }
        return try backendData(InputValue(document, at: value.path.nested()))
    }

    /// The node's pod CIDRs, one per family, as `nodeToLease` picks them: with `spec.podCIDRs`
    /// set (one or two entries; more is refused, "pod cidrs should be IPv4/IPv6 only or
    /// dualstack"), the first entry of each family; else `spec.podCIDR`, of either family. Every
    /// entry must parse, as flannel parses them all when both families are on. A managed node
    /// without any is refused with flannel's words.
    private static func podSubnets(
        _ node: InputObject, name: String, leasePath: InputPath
    ) throws(InputError) -> (IPv4Prefix?, IPv6Prefix?) {
        var spec: InputObject?
        if let specValue = node.exactField("spec") {
            spec = try InputValue(specValue.json, at: leasePath.appending("spec")).object()
        }
        let list = try spec?.exactField("podCIDRs")?.array() ?? []
        if list.count > 2 {
            throw leasePath.appending("spec").appending("podCIDRs").error(
                .invalidValue,
                "node \(name.debugDescription) pod cidrs should be IPv4/IPv6 only or dualstack (found \(list.count) entries)")
        }
        let candidates = list.isEmpty ? [spec?.exactField("podCIDR")].compactMap { $0 } : list
        var ipv4: IPv4Prefix?
        var ipv6: IPv6Prefix?
        for candidate in candidates {
            // Go's ParseCIDR gives a 16-byte IP exactly for the texts with a colon.
            if try candidate.string().contains(":") {
                let prefix = try candidate.ipv6Prefix(example: "fd00:10:244:1::/64")
                if ipv6 == nil { ipv6 = prefix }
            } else {
                let prefix = try candidate.ipv4Prefix(example: "10.244.1.0/24")
                if ipv4 == nil { ipv4 = prefix }
            }
        }
        if ipv4 == nil && ipv6 == nil {
            throw leasePath.error(.missingField, "node \(name.debugDescription) pod cidr not assigned")
        }
        return (ipv4, ipv6)
    }
}

/// What one Kubernetes node is to flannel.
public enum KubeNodeOutcome: Hashable, Sendable {
    case lease(Lease)
    /// A node without `<prefix>kube-subnet-manager: "true"`: not flannel's.
    case unmanaged
    /// A managed node whose lease does not parse: that peer is skipped, never the node.
    case rejected(RejectedLease)
}
