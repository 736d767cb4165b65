import Foundation
import StateJSON
import Testing

/// Interface names and MTUs are checked where they enter from a snapshot: a name the kernel
/// would refuse, or an MTU no interface has, is an error naming where it was. (The kernel's
/// side is `InterfaceNameInputTests` in ObservedTests.)
@Suite struct SnapshotNameTests {
    static func snapshot(facts: String = #"{"underlay": "eth0"}"#, state: String = "{}") -> Data {
        Data(#"{"version": 1, "state": \#(state), "facts": \#(facts)}"#.utf8)
    }

    static func refusal(_ data: Data) -> String? {
        do {
            _ = try Snapshot.decode(data, path: "snap.json")
            return nil
        } catch {
            return error.description
        }
    }

    @Test func anUnderlayWithWhiteSpaceIsRefusedByField() {
        #expect(
            Self.refusal(Self.snapshot(facts: #"{"underlay": "a b;touch /x"}"#))
                == #"snapshot snap.json: "a b;touch /x" is not a valid interface name (it contains white space) at .facts.underlay"#
        )
    }

    @Test(arguments: [
        (#"{"routes": [{"key": {"table": "main", "destination": "10.244.1.0/24", "tos": 0, "metric": 0}, "type": "unicast", "device": "eth0/1", "scope": "universe", "proto": "boot", "onLink": false}]}"#,
         ".state.routes[0].device", "it contains '/'"),
        (#"{"neighbors": [{"key": {"device": "flannel:1", "ip": "10.244.1.0"}, "state": "permanent"}]}"#,
         ".state.neighbors[0].key.device", "it contains ':'"),
        (#"{"fdb": [{"key": {"device": "", "mac": "02:00:00:00:00:01"}, "isSelf": true, "state": "permanent"}]}"#,
         ".state.fdb[0].key.device", "it is empty"),
        (#"{"vxlan": {"name": "flannel.1234567890", "vni": 1, "port": 8472, "learning": false, "gbp": false, "mtu": 1450, "up": true, "addresses": []}}"#,
         ".state.vxlan.name", "18 bytes; the kernel takes at most 15"),
        (#"{"vxlan": {"name": "flannel.1", "underlay": "..", "vni": 1, "port": 8472, "learning": false, "gbp": false, "mtu": 1450, "up": true, "addresses": []}}"#,
         ".state.vxlan.underlay", "\"..\" is reserved"),
    ])
    func everyDeviceNameInAStateIsChecked(state: String, path: String, reason: String) throws {
        let refusal = try #require(Self.refusal(Self.snapshot(state: state)))
        #expect(refusal.hasPrefix("snapshot snap.json: "))
        #expect(refusal.contains("is not a valid interface name (\(reason)) at \(path)"), "\(refusal)")
    }

    @Test func aNameTheKernelTakesIsKept() throws {
        // `;` is no problem to the kernel: such a name is read, and quoted where it is printed.
        let snapshot = try Snapshot.decode(Self.snapshot(facts: #"{"underlay": "eth0;reboot"}"#), path: "snap.json")
        #expect(snapshot.facts.underlay == "eth0;reboot")
    }

    @Test(arguments: [UInt32(0), 67, 65536, 4_294_967_295])
    func anMTUNoInterfaceHasIsRefused(mtu: UInt32) {
        #expect(
            Self.refusal(Self.snapshot(facts: #"{"underlay": "eth0", "mtu": \#(mtu)}"#))
                == "snapshot snap.json: \(mtu) is not an interface MTU (68 to 65535) at .facts.mtu"
        )
    }
}
