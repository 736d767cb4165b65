import Foundation
import NetState
import Planner
import StateJSON
import Testing

/// Changes and plan documents through their field tables: every case and verb round-trips, the
/// shape is the documented one, and inconsistent changes are refused.
@Suite struct ChangeJSONTests {
    static let device = "flannel.1"
    static let link = VxlanLink(name: device, vni: 1, local: .v4(IPv4Address(192, 168, 1, 11)), underlay: "eth0", mtu: 1450, mac: MACAddress(0x12c6_6589_b4e3))
    static let address = DeviceAddress(device: device, address: InterfaceAddress(address: IPv4Address(10, 244, 1, 0), length: 32))
    static let route = Route(key: .init(destination: IPv4Prefix(address: IPv4Address(10, 244, 2, 0), length: 24)), gateway: .v4(IPv4Address(10, 244, 2, 0)), device: device, onLink: true)
    static let neighbor = Neighbor(key: .init(device: device, ip: IPv4Address(10, 244, 2, 0)), lladdr: MACAddress(0x9e11_2233_4455))
    static let fdb = FdbEntry(device: device, mac: MACAddress(0x9e11_2233_4455), destination: .v4(IPv4Address(192, 168, 1, 12)))
    static let table = NftTable(key: NftTable.flannelKey, chains: [NftChain(name: "postrtg", hook: nil, rules: [NftRule([], .return)])])

    /// One change of every case and verb.
    static var everyChange: [Change] {
        var modified = link
        modified.mtu = 1400
        var other = route
        other.device = "eth0"
        return [
            .createLink(link), .modifyLink(old: link, new: modified), .recreateLink(old: modified, new: link), .deleteLink(link),
            .address(.create(address)), .address(.delete(address)),
            .fdb(.create(fdb)), .fdb(.delete(fdb)), .neighbor(.create(neighbor)), .neighbor(.delete(neighbor)),
            .route(.create(route)), .route(.replace(old: other, new: route)), .route(.delete(route)),
            .table(.create(table)), .table(.replace(old: NftTable(key: NftTable.flannelKey, chains: []), new: table)), .table(.delete(table)),
        ]
    }

    static func write(_ change: Change) -> [UInt8] { StateJSONTests.write(change, PlanFormats.change) }

    @Test(arguments: everyChange)
    func roundTrips(change: Change) throws {
        let bytes = Self.write(change)
        #expect(try StateJSONTests.read(bytes, PlanFormats.change) == change)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(object["kind"] as? String == change.kind)
        #expect(object["action"] as? String == change.action.rawValue)
        #expect(object["text"] as? String == change.description)
        #expect(Set(object.keys) == ["action", "kind", "text", "before", "after"])
        #expect((object["before"] is NSNull) == (change.action == .create))
        #expect((object["after"] is NSNull) == (change.action == .delete))
    }

    @Test func planDocumentsRoundTrip() throws {
        let ownership = Ownership(
            cluster: IPv4Prefix(address: IPv4Address(10, 244, 0, 0), length: 16), ownSubnet: IPv4Prefix(address: IPv4Address(10, 244, 1, 0), length: 24),
            vxlanDevice: Self.device, underlay: "eth0", subnetLengths: [24],
            skipped: SkippedObjects(subnets: [.v4(IPv4Prefix(address: IPv4Address(10, 244, 9, 0), length: 24))], macs: [MACAddress(7)])
        )
        let plan = Plan(changes: Self.everyChange, fingerprint: "0123456789abcdef", conflicts: ["x"], ownership: ownership)
        let node = DocumentNode(publicIP: IPv4Address(192, 168, 1, 11), name: "n1", lease: ownership.ipv4?.ownSubnet?.ipv4, backend: "vxlan")
        let document = PlanDocument(plan, node: node, skipped: [.init(key: "k", reason: "r", message: "m")])
        let read = try PlanFile.decode(document.encodedBytes())
        #expect(read == document)
        #expect(read.plan == plan)
    }

    static let routeJSON = String(decoding: StateJSONTests.write(route, StateFormats.route), as: UTF8.self)
    static let linkJSON = String(decoding: StateJSONTests.write(link, StateFormats.vxlan), as: UTF8.self)

    @Test(arguments: [
        (#"{"action":"create","kind":"route","before":null,"after":null}"#, "create route needs before/after to match at .action"),
        (#"{"action":"delete","kind":"route","before":null,"after":null}"#, "delete route needs before/after to match at .action"),
        (#"{"action":"recreate","kind":"route","before":null,"after":null}"#, "recreate route needs before/after to match at .action"),
        (#"{"action":"create","kind":"table","before":null,"after":null}"#, "unknown kind table at .kind"),
        (#"{"action":"explode","kind":"route","before":null,"after":null}"#, "unknown action: explode at .action"),
        (#"{"action":"create","kind":"link","before":null,"after":null}"#, "create link needs before/after to match at .action"),
        (#"{"action":"create","kind":"link"}"#, "create link needs before/after to match at .action"),
        (#"{"kind":"route"}"#, #"missing "action" at top level"#),
        (#"{"action":"create","kind":"route","before":\#(routeJSON),"after":\#(routeJSON)}"#, "create route needs before/after to match at .action"),
        (#"{"action":"delete","kind":"link","before":\#(linkJSON),"after":\#(linkJSON)}"#, "delete link needs before/after to match at .action"),
    ])
    func refusesInconsistentChanges(json: String, reason: String) {
        do {
            let change = try StateJSONTests.read(json.utf8, PlanFormats.change)
            Issue.record("accepted: \(change)")
        } catch let error as JSONReadError {
            #expect(error.description == reason)
        } catch {
            Issue.record("\(error)")
        }
    }
}
