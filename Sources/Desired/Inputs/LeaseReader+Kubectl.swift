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
            let subnet = name.flatMap { name in
                try? podSubnet(object, name: name, leasePath: InputPath(source: node.path.source, prefix: key))
            }
            let (publicIP, vtepMAC) = salvage(node: object, prefix: prefix)
            return .rejected(
                RejectedLease(key: key, nodeName: name, subnet: subnet, publicIP: publicIP, vtepMAC: vtepMAC, error: error)
            )
        }
    }

    /// What can still be read of a node whose lease did not parse: the `public-ip` annotation
    /// and the VtepMAC of `backend-data`, each when it is fine on its own.
    private static func salvage(node: InputObject, prefix: String) -> (IPv4Address?, MACAddress?) {
        guard let metadata = try? node.exactField("metadata")?.object(),
              let annotations = try? metadata.exactField("annotations")?.object()
        else { return (nil, nil) }
        let publicIP = (try? annotations.exactField(prefix + "public-ip")?.string()).flatMap { $0.flatMap(IPv4Address.init) }
        var vtepMAC: MACAddress?
        if let text = try? annotations.exactField(prefix + "backend-data")?.string(),
           case .object(let members)? = try? InputJSONParser.parse(Array(text.utf8))
        {
            vtepMAC = try? InputObject(members: members, path: annotations.path).field("VtepMAC")?.macAddress()
        }
        return (publicIP, vtepMAC)
    }

    /// The lease flannel's kube subnet manager builds from a node (v0.20.2 `subnet/kube/kube.go`
    /// `nodeToLease`, lines 436–505), or nil for a node flannel does not manage (`kube.go:216`:
    /// the `kube-subnet-manager` annotation is not `"true"`).
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
        let subnet = try podSubnet(node, name: name, leasePath: leasePath)
        guard let publicIPValue = try annotation("public-ip") else {
            throw leasePath.error(.missingField, "the annotation \(annotationPrefix)public-ip is missing; expected the node's IPv4 address")
        }
        let publicIP = try publicIPValue.ipv4Address(example: "192.168.64.3")
        let backendType = try backendType(try annotation("backend-type"))
        var vtepMAC: MACAddress?
        var vni: UInt32?
        if let dataValue = try annotation("backend-data") {
            let text = try dataValue.string()
            if !text.isEmpty {
                let document: InputJSON
                do {
                    document = try InputJSONParser.parse(Array(text.utf8))
                } catch {
                    throw dataValue.path.malformedJSON(error, embedded: true)
                }
                if document != .null {
                    (vtepMAC, vni) = try backendData(InputValue(document, at: dataValue.path.nested()))
                }
            }
        }
        return Lease(
            key: key, nodeName: name, subnet: subnet, publicIP: publicIP, backendType: backendType, vtepMAC: vtepMAC,
            vni: vni)
    }

    /// The node's IPv4 pod CIDR: the IPv4 entry of `spec.podCIDRs` when that list is set (dual
    /// stack), else `spec.podCIDR`. A managed node without one is refused with flannel's words.
    private static func podSubnet(_ node: InputObject, name: String, leasePath: InputPath) throws(InputError) -> IPv4Prefix {
        var spec: InputObject?
        if let specValue = node.exactField("spec") {
            spec = try InputValue(specValue.json, at: leasePath.appending("spec")).object()
        }
        let list = try spec?.exactField("podCIDRs")?.array() ?? []
        let candidates = list.isEmpty ? [spec?.exactField("podCIDR")].compactMap { $0 } : list
        for candidate in candidates where try !candidate.string().contains(":") {
            return try candidate.ipv4Prefix(example: "10.244.1.0/24")
        }
        let detail = candidates.isEmpty ? "" : " (no IPv4 CIDR in spec.podCIDR/spec.podCIDRs)"
        throw leasePath.error(.missingField, "node \(name.debugDescription) pod cidr not assigned\(detail)")
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
