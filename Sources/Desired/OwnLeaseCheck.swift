import NetState

/// The checks whose failure refuses everything: they concern this node's own lease or the
/// network as a whole, so no peer could be programmed correctly without them.
enum OwnLeaseCheck {
    /// - Throws: when the own lease is outside Network or advertises an address or MAC no node
    ///   can have, or when Network overlaps the underlay (a route into `flannel.<VNI>` would
    ///   then capture a peer's own underlay address) or holds this node's PublicIP.
    static func check(
        _ own: Lease, netConf: NetConf, facts: LinkFacts, backend: BackendType, override: BackendType?,
        source: String?
    ) throws(InputError) {
        let network = netConf.network
        func refuse(_ code: InputError.Code, _ field: String?, _ message: String) -> InputError {
            InputError(code, source: source, field: [own.key, field].compactMap { $0 }.joined(separator: ": "), message)
        }
        guard network.contains(own.subnet) else {
            throw refuse(.leaseOutsideNetwork, nil, "this node's subnet \(own.subnet) is outside Network \(network)")
        }
        if let reason = own.publicIP.nonUnicastReason {
            throw refuse(.invalidValue, "PublicIP", "this node's PublicIP \(own.publicIP) is \(reason)")
        }
        guard !network.contains(own.publicIP) else {
            throw InputError(
                .invalidValue, source: nil, field: "Network",
                "\(network) contains this node's PublicIP \(own.publicIP): the cluster CIDR must not hold the underlay"
            )
        }
        if let mac = own.vtepMAC, let reason = mac.nonUnicastReason {
            throw refuse(.invalidValue, "BackendData.VtepMAC", "this node's VtepMAC \(mac) is \(reason)")
        }
        if backend == .vxlan && own.vtepMAC == nil {
            throw refuse(
                .missingVtepMAC, nil,
                "vxlan lease has no BackendData.VtepMAC (\(override == .vxlan ? "--backend vxlan" : "its BackendType") is vxlan)"
            )
        }
        for address in facts.addresses {
            if IPPrefix.v4(network).overlaps(address.network) {
                throw InputError(
                    .invalidValue, source: nil, field: "Network",
                    "\(network) overlaps \(facts.underlay)'s address \(address): routes into the cluster CIDR would capture underlay traffic"
                )
            }
        }
        // Offline the `--on-link` networks stand for the underlay's connected networks. Live,
        // its addresses above are them: other link routes on the underlay can be anyone's (a
        // stray route inside Network must not take the node down), and are left to ownership.
        for connected in facts.addresses.isEmpty ? facts.onLinkNetworks : [] where IPPrefix.v4(network).overlaps(connected) {
            throw InputError(
                .invalidValue, source: nil, field: "Network",
                "\(network) overlaps the underlay network \(connected) on \(facts.underlay): routes into the cluster CIDR would capture underlay traffic"
            )
        }
    }
}
