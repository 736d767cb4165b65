import Desired
import Foundation
import NetState
import Observed
import Planner

/// `check` on a live node: settings of the host that do not stop a plan from applying but can
/// still lose traffic. Each is a warning; the offline checks decide the exit code.
enum LiveChecks {
    static func warnings(underlay: String, netConf: NetConf, ownSubnet: IPv4Prefix?) -> [String] {
        var warnings: [String] = []
        if netConf.families.contains(.inet6) {
            if sysctl("net/ipv6/conf/all/forwarding") == 0 {
                warnings.append("net.ipv6.conf.all.forwarding is 0: this node will not forward IPv6 pod traffic")
            }
            if sysctl("net/ipv6/conf/\(underlay)/disable_ipv6") == 1 {
                warnings.append("net.ipv6.conf.\(underlay).disable_ipv6 is 1: the IPv6 underlay is down on \(underlay)")
            }
        }
        guard netConf.families.contains(.inet), let cluster = netConf.network else { return warnings }
        let vxlanDevice = netConf.vxlanDeviceName
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
        if let ownSubnet {
            do {
                let audit = MasqueradeAudit(cluster: cluster, ownSubnet: ownSubnet, underlay: underlay, vxlanDevice: vxlanDevice)
                warnings += audit.findings(in: try NftReader.readTables()).map(\.description)
            } catch {
                warnings.append("could not read the nf_tables ruleset to look for other MASQUERADE rules: \(error)")
            }
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
