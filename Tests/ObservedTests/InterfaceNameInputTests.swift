import CMnl
import Foundation
import NetState
import Netlink
@testable import Observed
import Testing

/// Interface names are checked where they enter from the kernel: a name the kernel would refuse
/// is an error naming the message it came in. (Snapshots: `SnapshotNameTests` in StateJSONTests.)
@Suite struct InterfaceNameInputTests {
    // MARK: The live kernel

    /// An `RTM_NEWLINK` for ifindex 7 carrying `IFLA_IFNAME` = `name` bytes.
    static func link(named name: [UInt8]) -> NetlinkMessage {
        var payload = [UInt8](repeating: 0, count: MemoryLayout<ifinfomsg>.size)
        withUnsafeBytes(of: Int32(7)) { payload.replaceSubrange(4..<8, with: $0) }
        let value = name + [0]
        withUnsafeBytes(of: UInt16(4 + value.count)) { payload += $0 }
        withUnsafeBytes(of: UInt16(IFLA_IFNAME)) { payload += $0 }
        payload += value
        while payload.count % 4 != 0 { payload.append(0) }
        return NetlinkMessage(type: UInt16(RTM_NEWLINK), flags: 0, sequence: 1, portID: 0, payload: payload)
    }

    @Test func aKernelNameIsDecodedWhenValid() throws {
        #expect(try LinkMessage(decoding: Self.link(named: Array("eth0;x".utf8))).name == "eth0;x")
    }

    @Test(arguments: [
        (Array("a b".utf8), "IFLA_IFNAME \"a b\" is not a valid interface name (it contains white space)"),
        ([0x65, 0xff, 0x30], "IFLA_IFNAME is not valid UTF-8"),
    ])
    func aKernelNameThatFailsIsAnErrorNamingTheIndex(name: [UInt8], reason: String) {
        do {
            let link = try LinkMessage(decoding: Self.link(named: name))
            Issue.record("decoded as \(link.name.debugDescription)")
        } catch {
            #expect(error.detail == "RTM_NEWLINK of ifindex 7: \(reason)")
        }
    }
}
