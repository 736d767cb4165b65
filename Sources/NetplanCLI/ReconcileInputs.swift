import Desired
import Foundation
import NetState

extension ClusterInputs {
    /// The inputs of one reconcile pass: the flags as every command reads them, but the leases
    /// (and, from etcd, the net-conf) come from the live source instead of a file read once.
    ///
    /// `ClusterInputs.init(_:)` reads `--leases` and `--net-conf` from disk; the agent reads
    /// them through its lease source, so the flags are parsed here with the files left out.
    init(reconcile flags: InputOptions, netConf: NetConf, leases: [Lease], leaseSource: String) throws {
        var withoutFiles = flags
        withoutFiles.leases = nil
        withoutFiles.netConf = nil
        self.netConf = netConf
        self.leases = leases
        self.leaseSource = leaseSource
        let parsed = try ReconcileFlagValues(withoutFiles)
        selector = parsed.selector
        options = parsed.options
        onLinkNetworks = parsed.onLinkNetworks
    }
}

/// The node-selection and planning flags, parsed as `ClusterInputs.init(_:)` parses them.
struct ReconcileFlagValues {
    var selector: NodeSelector
    var options: DesiredOptions
    var onLinkNetworks: [IPv4Prefix]

    init(_ flags: InputOptions) throws(InputError) {
        if let text = flags.nodeIP {
            guard let ip = IPv4Address(text) else {
                throw InputError(.invalidValue, field: "--node-ip", "\"\(text)\" is not an IPv4 address")
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
                throw InputError(.unsupportedBackend, field: "--backend", "\"\(text)\" is not supported: use vxlan or host-gw")
            }
            backendOverride = type
        }
        options = DesiredOptions(backendOverride: backendOverride, ipMasq: flags.ipMasq)
        onLinkNetworks = try flags.onLink.map { text throws(InputError) in
            guard let prefix = IPv4Prefix(text, strict: false) else {
                throw InputError(.invalidValue, field: "--on-link", "\"\(text)\" is not an IPv4 CIDR")
            }
            return prefix
        }
    }
}
