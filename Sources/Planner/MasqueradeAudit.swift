import NetState

/// Finds rules in other nf_tables tables that would masquerade pod-to-pod traffic: seed 002's
/// problem, `-s 172.1.13.0/24 ! -o docker0 -j MASQUERADE` without `! -d` of the cluster CIDR.
/// flannel's own `return` rules do not help there: every nat chain on the hook is evaluated, so
/// another table's masquerade still rewrites the source of traffic flannel exempted.
///
/// The traffic considered is what leaves this node's pods for other nodes' pods: source inside
/// the own lease, destination inside the cluster CIDR but outside the own lease.
///
/// One audit judges one family: an IPv4 audit reads `ip` and `inet` tables, an IPv6 audit
/// (`-s <IPv6 pod range> -j MASQUERADE` in `ip6 nat`, kube-proxy's or an operator's) `ip6`
/// and `inet` tables; a rule that matches addresses of the other family never matches the
/// traffic judged. flannel's own tables (`ip flannel-ipv4`, `ip6 flannel-ipv6`) are not
/// audited; flannel's iptables-mode chains are, like any other rule, and exempt pod-to-pod
/// traffic before they masquerade.
public struct MasqueradeAudit: Sendable {
    /// The cluster CIDR of the family audited.
    public var clusterPrefix: IPPrefix
    /// This node's lease of that family.
    public var ownPrefix: IPPrefix
    public var underlay: String
    /// The vxlan device of the family (`flannel.<VNI>` or `flannel-v6.<VNI>`).
    public var vxlanDevice: String

    /// An IPv4 audit.
    public init(cluster: IPv4Prefix, ownSubnet: IPv4Prefix, underlay: String, vxlanDevice: String) {
        self.init(prefixes: .v4(cluster), .v4(ownSubnet), underlay: underlay, vxlanDevice: vxlanDevice)
    }

    /// An IPv6 audit: `cluster` is `IPv6Network`, `ownSubnet` this node's IPv6 lease,
    /// `vxlanDevice` `flannel-v6.<VNI>`.
    public init(cluster: IPv6Prefix, ownSubnet: IPv6Prefix, underlay: String, vxlanDevice: String) {
        self.init(prefixes: .v6(cluster), .v6(ownSubnet), underlay: underlay, vxlanDevice: vxlanDevice)
    }

    private init(prefixes cluster: IPPrefix, _ ownSubnet: IPPrefix, underlay: String, vxlanDevice: String) {
        clusterPrefix = cluster
        ownPrefix = ownSubnet
        self.underlay = underlay
        self.vxlanDevice = vxlanDevice
    }

    /// The IPv4 cluster CIDR of an IPv4 audit.
    public var cluster: IPv4Prefix? { clusterPrefix.ipv4 }

    /// The nf_tables families whose tables can carry this family's traffic.
    var families: Set<NftFamily> { clusterPrefix.family == .inet6 ? [.ip6, .inet] : [.ip, .inet] }

    public struct Finding: Hashable, Sendable, CustomStringConvertible {
        public var table: NftTable.Key
        public var chain: String
        public var rule: NftRule
        /// False when the rule holds expressions the audit cannot judge: it only may match.
        public var certain: Bool
        public var cluster: IPPrefix

        public var description: String {
            let exclusion = NftMatch.destination(cluster, negated: true)
            return "table \(table.family) \(table.name) chain \(chain): \"\(rule)\" \(certain ? "masquerades" : "may masquerade") "
                + "pod-to-pod traffic inside \(cluster); exclude it (\(exclusion)) or return before it"
        }
    }

    public func findings(in tables: [NftTable]) -> [Finding] {
        var findings: [Finding] = []
        for table in tables where !NftTable.flannelKeys.contains(table.key) && families.contains(table.key.family) {
            var walk = ChainWalk(audit: self, table: table)
            for chain in table.chains where chain.hook?.type == "nat" && chain.hook?.hook == "postrouting" {
                _ = walk.run(chain, depth: 0)
            }
            findings += walk.findings
        }
        return findings
    }

    /// Follows pod-to-pod traffic through one table's chains in order, as the kernel does: a
    /// rule it cannot match is passed over; a masquerade it may match is a finding (and ends the
    /// walk when certain); a `return` every such packet matches ends the chain (back to the
    /// jumping rule), an `accept` ends the hook for this table; a `jump` walks the target chain
    /// and goes on after it, a `goto` walks it and does not come back. So flannel's own
    /// `FLANNEL-POSTRTG` exempting pod-to-pod traffic does not hide a masquerade that follows the
    /// jump in `POSTROUTING` (seed 002's rule), and a return that precedes a broad masquerade in
    /// the same chain (flannel v0.18's `-s C -d C RETURN`) does.
    struct ChainWalk {
        enum Outcome { case fellThrough, returned, ended }

        let audit: MasqueradeAudit
        let table: NftTable
        var findings: [Finding] = []
        /// Chains being walked: a jump loop the kernel would refuse is not followed twice.
        private var active: Set<String> = []

        init(audit: MasqueradeAudit, table: NftTable) {
            self.audit = audit
            self.table = table
        }

        /// iptables and nf_tables allow 16 levels of jumps; deeper is not walked.
        static let maximumDepth = 16

        /// Each chain's outcome, once walked: a chain jumped to from many places is walked once
        /// (without this, k jumps per chain over 16 levels would be k^16 walks).
        private var walked: [String: Outcome] = [:]

        mutating func run(_ chain: NftChain, depth: Int) -> Outcome {
            if let outcome = walked[chain.name] { return outcome }
            guard depth < Self.maximumDepth, active.insert(chain.name).inserted else { return .fellThrough }
            defer { active.remove(chain.name) }
            let outcome = walk(chain, depth: depth)
            walked[chain.name] = outcome
            return outcome
        }

        private mutating func walk(_ chain: NftChain, depth: Int) -> Outcome {
            for rule in chain.rules {
                guard let certain = audit.mayMatch(rule) else { continue }
                switch rule.verdict {
                case .jump(let target), .goto(let target):
                    guard let next = table.chains.first(where: { $0.name == target }) else { continue }
                    let outcome = run(next, depth: depth + 1)
                    if outcome == .ended && certain { return .ended }
                    if case .goto = rule.verdict, certain { return .returned }
                case .return where certain && audit.exemptsAll(rule):
                    return .returned
                case .accept where certain && audit.exemptsAll(rule):
                    return .ended
                default:
                    guard audit.isMasquerade(rule.verdict) else { continue }
                    findings.append(Finding(
                        table: table.key, chain: chain.name, rule: rule, certain: certain, cluster: audit.clusterPrefix
                    ))
                    if certain { return .ended }
                }
            }
            return .fellThrough
        }
    }

    func isMasquerade(_ verdict: NftVerdict) -> Bool {
        switch verdict {
        case .masquerade: true
        case let .other(text): text.contains("masquerade") || text.contains("snat")
        default: false
        }
    }

    /// nil when the rule cannot match pod-to-pod traffic; otherwise whether that is certain.
    func mayMatch(_ rule: NftRule) -> Bool? {
        var certain = true
        let cluster = clusterPrefix, ownSubnet = ownPrefix
        for match in rule.matches {
            switch match {
            case .sourceAddress, .destinationAddress, .sourceAddress6, .destinationAddress6:
                // An address of the other family never matches this family's packets.
                guard let (isSource, prefix, negated) = match.address, prefix.family == cluster.family else { return nil }
                if isSource {
                    if negated ? prefix.contains(ownSubnet) : !prefix.overlaps(ownSubnet) { return nil }
                } else if negated ? prefix.contains(cluster) : (!prefix.overlaps(cluster) || ownSubnet.contains(prefix)) {
                    // Remote pods: inside the cluster, outside the own lease.
                    return nil
                }
            case let .mark(mask, value):
                // Pod traffic carries no mark (kube-proxy's is exempted by flannel's own rule).
                if value & mask != 0 { return nil }
            case let .outputInterface(name, negated):
                let ours = name == underlay || name == vxlanDevice || name.hasSuffix("*")
                if !negated && !ours { return nil }
                if negated && (name == underlay || name == vxlanDevice) { certain = false }
            case let .inputInterface(name, negated):
                let podSide = name == "cni0" || name.hasSuffix("*")
                if !negated && !podSide { return nil }
                if negated && name == "cni0" { return nil }
            case .comment, .counter:
                continue
            case .other:
                certain = false
            }
        }
        return certain
    }

    /// A `return`/`accept` that every pod-to-pod packet matches ends the chain for them.
    func exemptsAll(_ rule: NftRule) -> Bool {
        guard rule.verdict == .return || rule.verdict == .accept else { return false }
        return rule.matches.allSatisfy { match in
            switch match {
            case .comment, .counter: return true
            default:
                guard let (isSource, prefix, negated) = match.address, prefix.family == clusterPrefix.family else { return false }
                let packets = isSource ? ownPrefix : clusterPrefix
                return negated ? !prefix.overlaps(packets) : prefix.contains(packets)
            }
        }
    }
}
