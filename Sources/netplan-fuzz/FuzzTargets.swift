import Desired
import NetState
import Netlink
import Observed
import Planner
import StateJSON

/// One parser under test: `run` returns whether it accepted the input. `seeds` are inputs in
/// its own format, mutated for it most of the time; a target without them is fed mutations of
/// the shared corpus (every target's seeds, the golden cases, the nf_tables dumps).
struct FuzzTarget: Sendable {
    var name: String
    var seeds: [[UInt8]] = []
    var run: @Sendable ([UInt8]) -> Bool
}

/// The parsers under test: everything that reads bytes an operator or a cluster hands the tool.
/// Errors thrown are the expected outcome for most inputs; crashes, hangs, memory blow-ups and
/// failed checks (`FuzzCheck`) fail the run.
enum FuzzTargets {
    static let all: [FuzzTarget] = [
        FuzzTarget(name: "net-conf") { bytes in (try? NetConfReader.parse(bytes, source: "fuzz")) != nil },
        FuzzTarget(name: "leases") { bytes in (try? LeaseReader.parse(bytes, source: "fuzz")) != nil },
        FuzzTarget(name: "snapshot") { bytes in (try? Snapshot.decode(bytes, path: "fuzz")) != nil },
        FuzzTarget(name: "plan") { bytes in (try? PlanFile.decode(bytes)) != nil },
        FuzzTarget(name: "subnet.env") { bytes in (try? SubnetEnvReader.parse(bytes, source: "fuzz")) != nil },
        // The rule recognizer (nft's idioms and iptables-nft's xt matches and targets) over
        // expressions built from the input, then flannel's rules in `iptables -S` words. The
        // expressions, not the netlink bytes: libnftnl ends the process ("nf_tables kernel ABI
        // is broken") on an attribute of a size it does not expect, by design.
        FuzzTarget(name: "nft rule") { bytes in
            let expressions = FuzzExpressions.build(bytes)
            // `ip`, `ip6` (IPv6 payload offsets, ip6tables' MASQUERADE info) or `inet`.
            let families: [NftFamily] = [.ip, .inet, .ip6]
            let family = bytes.first.map { families[Int($0) % families.count] } ?? .ip
            let (matches, verdict) = NftDecoder.rule(expressions: expressions, family: family)
            let rule = NftRule(matches, verdict)
            _ = rule.iptablesWords(chain: "FLANNEL-POSTRTG")
            _ = rule.description
            _ = Ownership.iptablesListing(of: NftTable(key: IptablesNames.nat, chains: [NftChain(name: "FLANNEL-POSTRTG", hook: nil, rules: [rule])])).lines
            return !expressions.isEmpty
        },
        FuzzTarget(name: "kube watch line", seeds: utf8(FuzzKubeSeeds.watchLines), run: FuzzKube.watchLine),
        FuzzTarget(name: "kube list page", seeds: utf8(FuzzKubeSeeds.listPages), run: FuzzKube.listPage),
        FuzzTarget(name: "kubeconfig", seeds: utf8(FuzzKubeSeeds.kubeconfigs), run: FuzzKube.kubeconfig),
        FuzzTarget(name: "kube in-cluster", seeds: utf8(FuzzKubeSeeds.inClusterEnvironments), run: FuzzKube.inCluster),
        FuzzTarget(name: "etcd watch message", seeds: utf8(FuzzKubeSeeds.etcdWatchMessages), run: FuzzKube.etcdWatch),
        // A match in nft's words (snapshots and plans store them so): what parses prints back
        // to text that parses to the same match, `ip6 saddr` / `ip6 daddr` included.
        FuzzTarget(name: "nft match words", seeds: utf8(FuzzMatchWords.seeds), run: FuzzMatchWords.roundTrip),
        // IPv6 addresses, prefixes and lease-key halves, differential against glibc.
        FuzzTarget(name: "ipv6 text", seeds: utf8(FuzzAddresses.seeds), run: FuzzAddresses.ipv6),
        // The rtnetlink decoders of both families (routes, neighbours, fdb, addresses, links).
        FuzzTarget(name: "rtnetlink messages", seeds: FuzzRtnetlink.seeds, run: FuzzRtnetlink.messages),
    ]

    static func utf8(_ texts: [String]) -> [[UInt8]] { texts.map { Array($0.utf8) } }
}
