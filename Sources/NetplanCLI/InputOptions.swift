import ArgumentParser
import Desired
import Foundation
import InputFiles
import NetState

/// The inputs every command shares: flannel's config, the leases, who this node is, and (offline)
/// what its underlay looks like.
struct InputOptions: ParsableArguments {
    @Option(name: .customLong("net-conf"), help: "flannel net-conf.json, or the kube-flannel-cfg ConfigMap (YAML or JSON); default: flanneld's own files (--net-config-path, else --subnet-file).")
    var netConf: String?

    @Option(name: .customLong("net-config-path"), help: "As flanneld's flag: its net-conf, read when --net-conf is not given and the file exists (default \(FlannelFiles.defaultNetConfigPath)).")
    var netConfigPath: String?

    @Option(name: .customLong("subnet-file"), help: "As flanneld's flag: its subnet.env, read when there is no net-conf (default \(FlannelFiles.defaultSubnetFile)).")
    var subnetFile: String?

    @Option(help: "Leases: FILE or - (etcdctl -w json output, a {key: lease} JSON object, or kubectl get nodes -o json); reconcile also takes etcd://HOST:PORT[,HOST:PORT...][/prefix].")
    var leases: String?

    @Option(name: .customLong("node-ip"), help: "This node's PublicIP or PublicIPv6 (default: the lease whose public address is local).")
    var nodeIP: String?

    @Option(help: "This node's name (kubectl input).")
    var node: String?

    @Option(help: "Underlay interface (default: the interface of the default route).")
    var iface: String?

    @Option(name: .customLong("on-link"), help: "Offline: peers inside CIDR (IPv4 or IPv6) are on-link (repeatable).")
    var onLink: [String] = []

    @Option(name: .customLong("iface-mtu"), help: "Offline: the underlay MTU (default 1500).")
    var ifaceMTU: UInt32?

    @Option(help: "Override Backend.Type for the whole cluster, to plan a switch: vxlan or host-gw.")
    var backend: String?

    /// Nil when neither `--ip-masq` nor `--no-ip-masq` is given: then subnet.env's
    /// `FLANNEL_IPMASQ` when the net-conf came from it, else on.
    @Flag(inversion: .prefixedNo, help: "Install flannel's MASQUERADE rules (default: FLANNEL_IPMASQ when the inputs come from subnet.env, else on, as kube-flannel.yml runs flannel).")
    var ipMasq: Bool?

    @Flag(inversion: .prefixedNo, help: "Install flannel's forward rules (FLANNEL-FWD, or the nf_tables forward chain), as flanneld's --iptables-forward-rules (default on).")
    var iptablesForwardRules = true

    /// True when the flags describe the underlay, so no live kernel is consulted for link facts.
    var isOffline: Bool { iface != nil || !onLink.isEmpty || ifaceMTU != nil }
}

extension ClusterInputs {
    /// Reads the net-conf (`--net-conf`, else flanneld's files, see `FlannelFiles`) and
    /// `--leases`, and parses the node flags.
    /// - Parameters:
    ///   - leasesOptional: `observe` can name what it owns without the leases (only the
    ///     node's own subnet is then unknown); every other command needs them.
    ///   - liveVNIs: the VNIs of the live `flannel.<VNI>` devices (`observe`), asked only when
    ///     the net-conf comes from subnet.env and no lease says the backend.
    init(_ flags: InputOptions, leasesOptional: Bool = false, liveVNIs: (() throws -> [UInt32])? = nil) throws {
        let origin = try FlannelFiles.netConfOrigin(flags)
        let reading: LeaseReading
        let leaseSource: String
        if let leasesPath = flags.leases {
            leaseSource = leasesPath
            reading = try LeaseReader.read(try Self.read(leasesPath, limit: .leases), source: leasesPath)
        } else if leasesOptional {
            leaseSource = "-"
            reading = LeaseReading(leases: [], rejected: [])
        } else {
            throw InputError(.missingField, field: "--leases", "a lease source is required (FILE or -)")
        }
        var node = try NodeFlags(flags)
        let netConf: NetConf
        let netConfSource: String
        switch origin {
        case let .netConf(path):
            netConf = try NetConfReader.parse(try Self.read(path, limit: .netConf), source: path)
            netConfSource = path
        case let .subnetEnv(path, env):
            let derived = try FlannelFiles.netConf(
                from: env, path: path, leases: reading.leases, leaseSource: leaseSource, flags: flags, liveVNIs: liveVNIs
            )
            netConf = derived.netConf
            netConfSource = derived.source
            if let own = derived.ownLease, flags.nodeIP == nil, flags.node == nil, let address = own.publicAddresses.first {
                node.selector = .publicIP(address)
            }
            if flags.ipMasq == nil, let ipMasq = env.ipMasq { node.options.ipMasq = ipMasq }
        }
        let modeUnknown: Bool
        if case .subnetEnv = origin { modeUnknown = true } else { modeUnknown = false }
        self.init(
            netConf: netConf, leases: reading.leases, rejected: reading.rejected, leaseSource: leaseSource, node: node
        )
        sources = ["net-conf: \(netConfSource)", "leases: \(flags.leases ?? "none")"]
        masqueradeModeUnknown = modeUnknown
        if case let .subnetEnv(_, env) = origin { ownSubnet = env.lease }
    }

    /// Reads a regular file, or standard input for `-`, under `limit` (see `InputFile`).
    static func read(_ path: String, limit: InputFileLimit) throws(InputError) -> [UInt8] {
        do {
            return try InputFile.read(path, limit: limit)
        } catch {
            throw InputError(error)
        }
    }

    /// Link facts from the flags, for a node whose PublicIP is `nodeIP`. `--on-link` networks
    /// are the L2 segments: with `--all-nodes`, a node sees as on-link the networks it sits on.
    /// With `segmentOf`, a network is kept when it holds one of the node's addresses of its
    /// family.
    func offlineFacts(_ flags: InputOptions, segmentOf nodeIPs: [IPAddress]? = nil) -> LinkFacts {
        let networks = nodeIPs.map { ips in onLinkNetworks.filter { network in ips.contains { network.contains($0) } } }
            ?? onLinkNetworks
        return LinkFacts(
            underlay: flags.iface ?? "eth0", mtu: flags.ifaceMTU ?? 1500,
            mtuSource: flags.ifaceMTU == nil ? "the default underlay MTU (no --iface-mtu)" : "--iface-mtu",
            onLinkNetworks: networks
        )
    }
}

extension NodeFlags {
    /// The node-selection, planning and underlay flags, checked: every command parses them so
    /// (the agent reads the files through its lease source, so this is kept apart from file reading).
    init(_ flags: InputOptions) throws(InputError) {
        let selector: NodeSelector
        if let text = flags.nodeIP {
            guard let ip = IPAddress(text) else {
                throw InputError(.invalidValue, field: "--node-ip", "\"\(text)\" is not an IPv4 or IPv6 address")
            }
            selector = .publicIP(ip)
        } else if let name = flags.node {
            selector = .name(name)
        } else {
            selector = .automatic
        }
        var backendOverride: BackendType?
        if let text = flags.backend {
            guard let type = BackendType(rawValue: text.lowercased()) else {
                throw InputError(
                    .unsupportedBackend, field: "--backend", "\"\(text)\" is not supported: use vxlan or host-gw"
                )
            }
            backendOverride = type
        }
        if let iface = flags.iface, let refusal = InterfaceName.refusal(of: iface) {
            throw InputError(.invalidValue, field: "--iface", refusal)
        }
        if let mtu = flags.ifaceMTU, let refusal = LinkFacts.mtuRefusal(mtu) {
            throw InputError(.invalidValue, field: "--iface-mtu", refusal)
        }
        let onLinkNetworks = try flags.onLink.map { text throws(InputError) in
            guard let prefix = IPPrefix(text, strict: false) else {
                throw InputError(.invalidValue, field: "--on-link", "\"\(text)\" is not an IPv4 or IPv6 CIDR")
            }
            return prefix
        }
        self.init(
            selector: selector, options: DesiredOptions(
                backendOverride: backendOverride, ipMasq: flags.ipMasq ?? true, forwardRules: flags.iptablesForwardRules
            ),
            onLinkNetworks: onLinkNetworks, iface: flags.iface, ifaceMTU: flags.ifaceMTU
        )
    }
}
