import Desired
import NetState
import Netlink
import Observed
import Planner
import StateJSON

/// The parsers under test: everything that reads bytes an operator or a cluster hands the tool.
/// Errors thrown are the expected outcome for most inputs; only crashes, hangs and memory
/// blow-ups fail the run.
enum FuzzTargets {
    static let all: [(name: String, run: @Sendable ([UInt8]) -> Bool)] = [
        ("net-conf", { bytes in (try? NetConfReader.parse(bytes, source: "fuzz")) != nil }),
        ("leases", { bytes in (try? LeaseReader.parse(bytes, source: "fuzz")) != nil }),
        ("snapshot", { bytes in (try? Snapshot.decode(bytes, path: "fuzz")) != nil }),
        ("plan", { bytes in (try? PlanFile.decode(bytes)) != nil }),
        ("subnet.env", { bytes in (try? SubnetEnvReader.parse(bytes, source: "fuzz")) != nil }),
        // The rule recognizer (nft's idioms and iptables-nft's xt matches and targets) over
        // expressions built from the input, then flannel's rules in `iptables -S` words. The
        // expressions, not the netlink bytes: libnftnl ends the process ("nf_tables kernel ABI
        // is broken") on an attribute of a size it does not expect, by design.
        ("nft rule", { bytes in
            let expressions = FuzzExpressions.build(bytes)
            let (matches, verdict) = NftDecoder.rule(expressions: expressions, family: bytes.first.map { $0 & 1 == 0 ? .ip : .inet } ?? .ip)
            let rule = NftRule(matches, verdict)
            _ = rule.iptablesWords(chain: "FLANNEL-POSTRTG")
            _ = rule.description
            _ = Ownership.iptablesListing(of: NftTable(key: IptablesNames.nat, chains: [NftChain(name: "FLANNEL-POSTRTG", hook: nil, rules: [rule])])).lines
            return !expressions.isEmpty
        }),
    ]
}
