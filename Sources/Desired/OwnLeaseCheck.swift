import NetState

/// The checks whose failure refuses everything: they concern this node's own lease or the
/// network as a whole, so no peer could be programmed correctly without them. Run once per
/// enabled family, over the own lease's half of it.
enum OwnLeaseCheck {
    /// - Throws: when the own lease has no half of the family, is outside the family's network
    ///   or advertises an address or MAC no node can have, or when the network overlaps the
    ///   underlay (a route into the vxlan device would then capture a peer's own underlay
    ///   address) or holds this node's public address.
    static func check(
        _ own: Lease, family: AddressFamily, netConf: NetConf, facts: LinkFacts, backend: BackendType,
        override: BackendType?, source: String?
    ) throws(InputError) {
        let fields = FamilyFields.of(family)
        guard let network = netConf.network(family) else { return }
        func refuse(_ code: InputError.Code, _ field: String?, _ message: String) -> InputError {
            InputError(code, source: source, field: [own.key, field].compactMap { $0 }.joined(separator: ": "), message)
        }
        guard let half = own.half(family) else {
            throw refuse(
                .missingField, nil,
                "this node's lease has no \(fields.familyName) subnet, but Enable\(fields.familyName) is true: its \(fields.familyName) pods would be unreachable"
            )
        }
        guard network.contains(half.subnet) else {
            throw refuse(.leaseOutsideNetwork, nil, "this node's subnet \(half.subnet) is outside \(fields.network) \(network)")
        }
        guard let publicIP = half.publicIP else {
            throw refuse(.missingField, fields.publicIP, "this node's lease has no \(fields.publicIP)")
        }
        if let reason = publicIP.nonUnicastReason {
            throw refuse(.invalidValue, fields.publicIP, "this node's \(fields.publicIP) \(publicIP) is \(reason)")
        }
        guard !network.contains(publicIP) else {
            throw InputError(
                .invalidValue, source: nil, field: fields.network,
                "\(network) contains this node's \(fields.publicIP) \(publicIP): the cluster CIDR must not hold the underlay"
            )
        }
        if let mac = half.vtepMAC, let reason = mac.nonUnicastReason {
            throw refuse(.invalidValue, "\(fields.backendData).VtepMAC", "this node's VtepMAC \(mac) is \(reason)")
        }
        if backend == .vxlan && half.vtepMAC == nil {
            throw refuse(
                .missingVtepMAC, nil,
                "vxlan lease has no \(fields.backendData).VtepMAC (\(override == .vxlan ? "--backend vxlan" : "its BackendType") is vxlan)"
            )
        }
        for address in facts.addresses where network.overlaps(address.network) {
            throw InputError(
                .invalidValue, source: nil, field: fields.network,
                "\(network) overlaps \(facts.underlay)'s address \(address): routes into the cluster CIDR would capture underlay traffic"
            )
        }
        // Offline the `--on-link` networks stand for the underlay's connected networks. Live,
        // its addresses above are them: other link routes on the underlay can be anyone's (a
        // stray route inside Network must not take the node down), and are left to ownership.
        let offline = !facts.addresses.contains { $0.family == family }
        for connected in offline ? facts.onLinkNetworks : [] where network.overlaps(connected) {
            throw InputError(
                .invalidValue, source: nil, field: fields.network,
                "\(network) overlaps the underlay network \(connected) on \(facts.underlay): routes into the cluster CIDR would capture underlay traffic"
            )
        }
    }
}
