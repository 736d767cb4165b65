import ArgumentParser
import Desired
import Foundation
import NetState
import Observed
import Planner
import StateJSON

struct ObserveCommand: SynchronousCommand {
    static let configuration = CommandConfiguration(
        commandName: "observe",
        abstract: "Print the objects this tool owns on the live kernel, as iproute2 and nft word them."
    )

    enum Format: String, OutputFormat { case text, json }

    @OptionGroup var inputs: InputOptions

    @Option(name: .shortAndLong, help: Format.help)
    var output: Format = .text

    @Option(name: .customLong("snapshot-out"), help: "Save the observation (state and link facts) to FILE for `plan --observed FILE`.")
    var snapshotOut: String?

    func executeSynchronously(_ console: Console) throws -> Int32 {
        let cluster = try ClusterInputs(inputs, leasesOptional: true, liveVNIs: { try FlannelDevices.vnis() })
        let node = try NodeContext.observe(cluster, inputs, snapshot: nil, allPeers: snapshotOut != nil)
        // The own lease only narrows which routes are ours; without one, nothing is excluded.
        let own = try? DesiredState.ownLease(cluster.leases, node: cluster.selector, facts: node.facts, source: nil)
        let netConf = cluster.netConf
        func part(_ family: AddressFamily) -> Ownership.Family? {
            guard netConf.families.contains(family), let network = netConf.network(family) else { return nil }
            let ownSubnet = own?.half(family)?.subnet ?? (family == .inet ? cluster.ownSubnet.map(IPPrefix.v4) : nil)
            return Ownership.Family(
                cluster: network, ownSubnet: ownSubnet,
                subnetLengths: [netConf.leaseLength(family)] + cluster.leases.compactMap { $0.half(family)?.subnet.length }
            )
        }
        let ownership = Ownership(
            ipv4: part(.inet), ipv6: part(.inet6), vxlanDevice: netConf.vxlanDeviceName, vxlan6Device: netConf.vxlan6DeviceName,
            underlay: node.facts.underlay
        )
        if let snapshotOut { try Snapshot(node).save(path: snapshotOut) }
        switch output {
        case .text:
            var text = TextBuffer(capacity: 128)
            for source in cluster.sources {
                text.append("# ")
                text.append(source)
                text.append(ascii: UInt8(ascii: "\n"))
            }
            text.append("# underlay ")
            text.append(node.facts.underlay)
            text.append(" mtu ")
            text.append(decimal: node.facts.mtu)
            for address in node.facts.addresses {
                text.append(ascii: UInt8(ascii: " "))
                text.append(address.description)
            }
            text.append(ascii: UInt8(ascii: "\n"))
            console.write(bytes: text.bytes)
            var listing = ownership.ownedListing(of: node.state)
            if listing.isEmpty { listing.append("# nothing owned is present") }
            listing.append(ascii: UInt8(ascii: "\n"))
            console.write(bytes: listing.bytes)
        case .json:
            console.write(JSONOutput.render(Snapshot(state: ownership.ownedPart(of: node.state), facts: node.facts)))
        }
        return 0
    }
}
