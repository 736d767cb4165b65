/// Choices that change what is desired without changing the cluster's inputs.
public struct DesiredOptions: Hashable, Sendable {
    /// `--backend`: plan as if the whole cluster ran this backend, which is what a switch means
    /// once every node has restarted with the new net-conf. Without it each lease's own
    /// `BackendType` decides how that peer is reached, which is what a rolling switch needs.
    public var backendOverride: BackendType?
    /// `--ip-masq` (default, as kube-flannel.yml runs flannel) / `--no-ip-masq`.
    public var ipMasq: Bool
    /// `masquerade fully-random`, as flannel uses unless disabled.
    public var fullyRandom: Bool
    /// flanneld's `--iptables-forward-rules` (default true): accept forwarded traffic from and
    /// to the cluster network (`FLANNEL-FWD`, or the nf_tables `forward` chain).
    public var forwardRules: Bool

    public init(backendOverride: BackendType? = nil, ipMasq: Bool = true, fullyRandom: Bool = true, forwardRules: Bool = true) {
        self.backendOverride = backendOverride
        self.ipMasq = ipMasq
        self.fullyRandom = fullyRandom
        self.forwardRules = forwardRules
    }
}
