import NetState
import Planner
import Testing

/// The text plan and the script, line by line, for every kind of change.
@Suite struct PlanRenderingTests {
    static let linkText = "flannel.1 address 12:c6:65:89:b4:e3 mtu 1450 type vxlan id 1 local 192.168.1.11 dev eth0 dstport 8472 nolearning up"
    static let linkArguments = "address 12:c6:65:89:b4:e3 mtu 1450 type vxlan id 1 local 192.168.1.11 dev eth0 dstport 8472 nolearning"
    static let address = DeviceAddress(device: PF.device, address: InterfaceAddress(address: PF.ownSubnet.address, length: 32))

    static func check(_ change: Change, text: String, script: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(change.description == text, sourceLocation: sourceLocation)
        #expect(PlanScript.commands(for: change) == script, sourceLocation: sourceLocation)
    }

    @Test func links() {
        Self.check(.createLink(PF.link()), text: "+ link " + Self.linkText,
                   script: ["ip link add flannel.1 " + Self.linkArguments, "ip link set flannel.1 up"])
        Self.check(.deleteLink(PF.link()), text: "- link " + Self.linkText, script: ["ip link del flannel.1"])
        var smaller = PF.link()
        smaller.mtu = 1400
        Self.check(.modifyLink(old: PF.link(), new: smaller),
                   text: "~ link \(Self.linkText) → \(Self.linkText.replacingOccurrences(of: "mtu 1450", with: "mtu 1400"))",
                   script: ["ip link set flannel.1 mtu 1400"])
        var down = PF.link()
        down.up = false
        Self.check(.modifyLink(old: down, new: PF.link()), text: "~ link \(down) → \(PF.link())", script: ["ip link set flannel.1 up"])
        var learning = PF.link()
        learning.learning = true
        #expect(PlanScript.commands(for: .modifyLink(old: PF.link(), new: learning)) == ["ip link set flannel.1 type vxlan learning"])
    }

    @Test func recreationSaysWhy() {
        var old = PF.link()
        old.vni = 2
        old.port = 4789
        old.local = .v4(IPv4Address(192, 168, 1, 99))
        old.underlay = "eth1"
        old.mac = MACAddress(0x0200_0000_00ff)
        let change = Change.recreateLink(old: old, new: PF.link())
        #expect(change.description == "-/+ link \(old) → \(PF.link()) (forces re-creation: id 2 → 1, local 192.168.1.99 → 192.168.1.11, "
            + "dev eth1 → eth0, dstport 4789 → 8472, address 02:00:00:00:00:ff → 12:c6:65:89:b4:e3, peers' FDB entries name the lease's VtepMAC)")
        #expect(PlanScript.commands(for: change) == [
            "ip link del flannel.1", "ip link add flannel.1 " + Self.linkArguments, "ip link set flannel.1 up",
        ])
    }

    @Test func addresses() {
        let other = DeviceAddress(device: PF.device, address: InterfaceAddress(address: IPv4Address(10, 244, 99, 0), length: 32))
        Self.check(.address(.create(Self.address)), text: "+ addr 10.244.1.0/32 dev flannel.1", script: ["ip addr replace 10.244.1.0/32 dev flannel.1"])
        Self.check(.address(.replace(old: other, new: Self.address)), text: "~ addr 10.244.99.0/32 dev flannel.1 → 10.244.1.0/32 dev flannel.1",
                   script: ["ip addr replace 10.244.1.0/32 dev flannel.1"])
        Self.check(.address(.delete(Self.address)), text: "- addr 10.244.1.0/32 dev flannel.1", script: ["ip addr del 10.244.1.0/32 dev flannel.1"])
    }

    @Test func fdbEntries() {
        let entry = "02:00:00:00:00:02 dev flannel.1 dst 192.168.1.12 self permanent"
        Self.check(.fdb(.create(PF.fdb(2))), text: "+ fdb " + entry, script: ["bridge fdb replace " + entry])
        let moved = PF.fdb(2, dst: IPv4Address(10, 0, 5, 20))
        Self.check(.fdb(.replace(old: moved, new: PF.fdb(2))), text: "~ fdb \(moved) → \(entry)", script: ["bridge fdb replace " + entry])
        Self.check(.fdb(.delete(PF.fdb(2))), text: "- fdb " + entry, script: ["bridge fdb del 02:00:00:00:00:02 dev flannel.1 dst 192.168.1.12 self"])
    }

    @Test func neighbours() {
        let neighbor = "10.244.2.0 lladdr 02:00:00:00:00:02 dev flannel.1 nud permanent"
        Self.check(.neighbor(.create(PF.neighbor(2))), text: "+ neigh " + neighbor, script: ["ip neigh replace " + neighbor])
        let learnt = Neighbor(key: PF.neighbor(2).key, lladdr: nil, state: .incomplete)
        Self.check(.neighbor(.replace(old: learnt, new: PF.neighbor(2))),
                   text: "~ neigh 10.244.2.0 dev flannel.1 nud incomplete → " + neighbor, script: ["ip neigh replace " + neighbor])
        Self.check(.neighbor(.delete(PF.neighbor(2))), text: "- neigh " + neighbor, script: ["ip neigh del 10.244.2.0 dev flannel.1"])
    }

    @Test func routes() {
        let vxlan = "10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink", direct = "10.244.2.0/24 via 192.168.1.12 dev eth0"
        Self.check(.route(.create(PF.vxlanRoute(2))), text: "+ route " + vxlan, script: ["ip route replace " + vxlan])
        Self.check(.route(.replace(old: PF.vxlanRoute(2), new: PF.directRoute(2))), text: "~ route \(vxlan) → \(direct)",
                   script: ["ip route replace " + direct])
        Self.check(.route(.delete(PF.directRoute(2))), text: "- route " + direct, script: ["ip route del " + direct])
    }

    @Test func tables() {
        let table = PF.table()
        let body = table.description.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        Self.check(.table(.create(table)), text: "+ nft table ip flannel-ipv4",
                   script: ["nft -f - <<'NFT'", "table ip flannel-ipv4", "delete table ip flannel-ipv4", table.description, "NFT"])
        Self.check(.table(.replace(old: PF.table(masquerade: false), new: table)),
                   text: "~ nft table ip flannel-ipv4 (replaced in one transaction)",
                   script: ["nft -f - <<'NFT'", "table ip flannel-ipv4", "delete table ip flannel-ipv4", table.description, "NFT"])
        Self.check(.table(.delete(table)), text: "- nft table ip flannel-ipv4", script: ["nft delete table ip flannel-ipv4"])
        // The text plan shows the new table's listing under its line, indented.
        let text = PlanText.render(Plan(changes: [.table(.create(table))], fingerprint: "f", ownership: PF.ownership))
        #expect(text == (["+ nft table ip flannel-ipv4"] + body.map { "    " + $0 } + ["", "Plan: 1 to add, 0 to change, 0 to destroy.", ""]).joined(separator: "\n"))
        let deleted = PlanText.render(Plan(changes: [.table(.delete(table))], fingerprint: "f", ownership: PF.ownership))
        #expect(deleted == "- nft table ip flannel-ipv4\n\nPlan: 0 to add, 0 to change, 1 to destroy.\n")
    }

    @Test func textPlan() {
        let plan = PF.plan(PF.state(vxlan: [2], table: nil), PF.state(vxlan: [7], table: nil))
        #expect(PlanText.render(plan, header: "# node 192.168.1.11") == """
            # node 192.168.1.11

            + fdb 02:00:00:00:00:02 dev flannel.1 dst 192.168.1.12 self permanent
            + neigh 10.244.2.0 lladdr 02:00:00:00:00:02 dev flannel.1 nud permanent
            + route 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink
            - route 10.244.7.0/24 via 10.244.7.0 dev flannel.1 onlink
            - neigh 10.244.7.0 lladdr 02:00:00:00:00:07 dev flannel.1 nud permanent
            - fdb 02:00:00:00:00:07 dev flannel.1 dst 192.168.1.17 self permanent

            Plan: 3 to add, 0 to change, 3 to destroy.

            """)
        let empty = Plan(changes: [], fingerprint: "f", conflicts: ["a conflict"], ownership: PF.ownership)
        #expect(PlanText.render(empty) == "! a conflict\n\nNo changes. The kernel matches the desired state.\n")
    }

    @Test func scriptPlan() {
        let plan = PF.plan(PF.state(vxlan: [2], table: nil), PF.state(vxlan: [7], table: nil))
        #expect(PlanScript.render(plan, header: "plan for node a\nsecond line") == """
            #!/usr/bin/env bash
            # plan for node a
            # second line
            set -euo pipefail

            # + fdb 02:00:00:00:00:02 dev flannel.1 dst 192.168.1.12 self permanent
            bridge fdb replace 02:00:00:00:00:02 dev flannel.1 dst 192.168.1.12 self permanent
            # + neigh 10.244.2.0 lladdr 02:00:00:00:00:02 dev flannel.1 nud permanent
            ip neigh replace 10.244.2.0 lladdr 02:00:00:00:00:02 dev flannel.1 nud permanent
            # + route 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink
            ip route replace 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink
            # - route 10.244.7.0/24 via 10.244.7.0 dev flannel.1 onlink
            ip route del 10.244.7.0/24 via 10.244.7.0 dev flannel.1 onlink
            # - neigh 10.244.7.0 lladdr 02:00:00:00:00:07 dev flannel.1 nud permanent
            ip neigh del 10.244.7.0 dev flannel.1
            # - fdb 02:00:00:00:00:07 dev flannel.1 dst 192.168.1.17 self permanent
            bridge fdb del 02:00:00:00:00:07 dev flannel.1 dst 192.168.1.17 self

            """)
        #expect(PlanScript.render(Plan(changes: [], fingerprint: "f", ownership: PF.ownership)) == "#!/usr/bin/env bash\nset -euo pipefail\n\n")
    }
}
