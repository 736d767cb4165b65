import Desired
import Foundation
import NetState
import Observed
import Planner

/// `check` on a live node: settings of the host that do not stop a plan from applying but can
/// still lose traffic. Each is a warning; the offline checks decide the exit code.
enum LiveChecks {
    /// `ownLease` narrows the MASQUERADE audit to pod traffic of this node; without it (the
    /// node's lease is not known) the audit is skipped.
    static func warnings(underlay: String, netConf: NetConf, ownLease: Lease?) -> [String] {
        var warnings: [String] = []
        var audits: [MasqueradeAudit] = []
        if netConf.families.contains(.inet6) {
            if sysctl("net/ipv6/conf/all/forwarding") == 0 {
                warnings.append("net.ipv6.conf.all.forwarding is 0: this node will not forward IPv6 pod traffic")
            }
            if sysctl("net/ipv6/conf/\(underlay)/disable_ipv6") == 1 {
                warnings.append("net.ipv6.conf.\(underlay).disable_ipv6 is 1: the IPv6 underlay is down on \(underlay)")
            }
            if let cluster = netConf.ipv6Network, let ownSubnet = ownLease?.subnet6 {
                audits.append(
                    MasqueradeAudit(cluster: cluster, ownSubnet: ownSubnet, underlay: underlay, vxlanDevice: netConf.vxlan6DeviceName)
                )
            }
        }
        if netConf.families.contains(.inet) {
            // The kernel uses the larger of `all` and the interface's value.
            let all = sysctl("net/ipv4/conf/all/rp_filter")
            let device = sysctl("net/ipv4/conf/\(underlay)/rp_filter")
            if all == 1 || device == 1 {
                let which = all == 1 ? "all" : underlay
                warnings.append(
                    "net.ipv4.conf.\(which).rp_filter is 1 (strict): during a rolling switch, replies that come back "
                        + "on another path (vxlan one way, host-gw the other) are dropped; use 2 (loose) or 0"
                )
            }
            if sysctl("net/ipv4/ip_forward") == 0 {
                warnings.append("net.ipv4.ip_forward is 0: this node will not forward pod traffic")
            }
            if let cluster = netConf.network, let ownSubnet = ownLease?.subnet {
                audits.insert(
                    MasqueradeAudit(cluster: cluster, ownSubnet: ownSubnet, underlay: underlay, vxlanDevice: netConf.vxlanDeviceName),
                    at: 0
                )
            }
        }
        guard !audits.isEmpty else { return warnings }
        do {
            let tables = try NftReader.readTables()
            for audit in audits { warnings += audit.findings(in: tables).map(\.description) }
        } catch {
            warnings.append("could not read the nf_tables ruleset to look for other MASQUERADE rules: \(error)")
        }
        return warnings
    }

    /// A value under /proc/sys of this process's network namespace, nil when absent.
    static func sysctl(_ path: String) -> Int? {
        guard let data = FileManager.default.contents(atPath: "/proc/sys/" + path),
              let text = String(data: data, encoding: .utf8)
        else { return nil }
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
