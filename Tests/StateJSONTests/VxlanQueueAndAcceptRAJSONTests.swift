import Foundation
import NetState
import StateJSON
import Testing

/// `txqlen` and `acceptRa` are additive snapshot fields (snapshot version 1 unchanged): written
/// when known, and a snapshot from before them reads as "unknown", which the planner never
/// counts as a difference.
@Suite struct VxlanQueueAndAcceptRAJSONTests {
    static func snapshot(vxlanExtra: String) -> String {
        """
        {"facts": {"underlay": "eth0", "mtu": 1500},
         "state": {"vxlan": {"name": "flannel.1", "vni": 1, "local": "172.22.0.239", "underlay": "eth0",
                             "port": 8472, "learning": false, "gbp": false, "mtu": 1450, "up": true,
                             "addresses": ["10.244.0.0/32"]\(vxlanExtra)}},
         "version": 1}
        """
    }

    @Test func anOlderSnapshotReadsAsUnknown() throws {
        let snapshot = try Snapshot.decode(Data(Self.snapshot(vxlanExtra: "").utf8), path: "old.json")
        let link = try #require(snapshot.state.vxlan)
        #expect(link.txQueueLength == nil)
        #expect(link.acceptRA == nil)
    }

    @Test func theFieldsRoundTrip() throws {
        let snapshot = try Snapshot.decode(Data(Self.snapshot(vxlanExtra: #", "txqlen": 0, "acceptRa": 0"#).utf8), path: "new.json")
        let link = try #require(snapshot.state.vxlan)
        #expect(link.txQueueLength == 0)
        #expect(link.acceptRA == 0)
        let written = String(decoding: snapshot.encodedBytes(), as: UTF8.self)
        #expect(written.contains(#""acceptRa" : 0"#) && written.contains(#""txqlen" : 0"#))
        #expect(try Snapshot.decode(Data(snapshot.encodedBytes())) == snapshot)
        let snake = String(decoding: snapshot.encodedBytes(keyStyle: .snakeCase), as: UTF8.self)
        #expect(snake.contains(#""accept_ra" : 0"#))
    }

    @Test func aBadValueIsRefusedNamingTheField() {
        #expect(throws: Snapshot.Failure.self) {
            try Snapshot.decode(Data(Self.snapshot(vxlanExtra: #", "txqlen": -1"#).utf8), path: "bad.json")
        }
    }
}
