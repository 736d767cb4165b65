import Foundation
import NetState
import Planner
import Testing

@Suite struct ChangeCodableTests {
    static let address = DeviceAddress(device: PF.device, address: InterfaceAddress(address: PF.ownSubnet.address, length: 32))
    static let otherAddress = DeviceAddress(device: PF.device, address: InterfaceAddress(address: IPv4Address(10, 244, 99, 0), length: 32))

    /// One change of every case and verb.
    static var everyChange: [Change] {
        var modified = PF.link()
        modified.mtu = 1400
        var recreated = PF.link()
        recreated.vni = 2
        let foreign = Neighbor(key: PF.neighbor(2).key, lladdr: nil, state: .incomplete)
        return [
            .createLink(PF.link()), .createLink(PF.link(mac: nil)), .modifyLink(old: PF.link(), new: modified),
            .recreateLink(old: recreated, new: PF.link()), .deleteLink(PF.link()),
            .address(.create(address)), .address(.replace(old: otherAddress, new: address)), .address(.delete(address)),
            .fdb(.create(PF.fdb(2))), .fdb(.replace(old: PF.fdb(2, dst: IPv4Address(10, 0, 5, 20)), new: PF.fdb(2))), .fdb(.delete(PF.fdb(3))),
            .neighbor(.create(PF.neighbor(2))), .neighbor(.replace(old: foreign, new: PF.neighbor(2))), .neighbor(.delete(PF.neighbor(3))),
            .route(.create(PF.vxlanRoute(2))), .route(.replace(old: PF.vxlanRoute(2), new: PF.directRoute(2))), .route(.delete(PF.directRoute(4))),
            .table(.create(PF.table())), .table(.replace(old: PF.table(masquerade: false), new: PF.table())), .table(.delete(PF.table())),
        ]
    }

    static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    @Test(arguments: everyChange)
    func roundTrips(change: Change) throws {
        let data = try Self.encode(change)
        #expect(try JSONDecoder().decode(Change.self, from: data) == change)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["kind"] as? String == change.kind)
        #expect(object["action"] as? String == change.action.rawValue)
        #expect(object["text"] as? String == change.description)
        #expect(Set(object.keys) == ["action", "kind", "text", "before", "after"])
    }

    @Test func beforeAndAfterFollowTheVerb() throws {
        let create = try #require(try JSONSerialization.jsonObject(with: Self.encode(Change.route(.create(PF.vxlanRoute(2))))) as? [String: Any])
        #expect(create["before"] is NSNull)
        #expect(create["after"] is [String: Any])
        let delete = try #require(try JSONSerialization.jsonObject(with: Self.encode(Change.route(.delete(PF.vxlanRoute(2))))) as? [String: Any])
        #expect(delete["after"] is NSNull)
        #expect(delete["before"] is [String: Any])
    }

    @Test func planRoundTrips() throws {
        let plan = Plan(changes: Self.everyChange, fingerprint: "0123456789abcdef", conflicts: ["x"], ownership: PF.ownership)
        #expect(try JSONDecoder().decode(Plan.self, from: Self.encode(plan)) == plan)
    }

    @Test(arguments: [
        #"{"action":"create","kind":"route","before":null,"after":null}"#,
        #"{"action":"delete","kind":"route","before":null,"after":null}"#,
        #"{"action":"recreate","kind":"route","before":null,"after":null}"#,
        #"{"action":"create","kind":"table","before":null,"after":null}"#,
        #"{"action":"explode","kind":"route","before":null,"after":null}"#,
        #"{"action":"create","kind":"link","before":null,"after":null}"#,
        #"{"action":"create","kind":"link"}"#,
        #"{"kind":"route"}"#,
    ])
    func refusesInconsistentChanges(json: String) {
        #expect(throws: (any Error).self) { try JSONDecoder().decode(Change.self, from: Data(json.utf8)) }
    }

    @Test func refusesACreateThatCarriesABefore() throws {
        let route = String(decoding: try Self.encode(PF.vxlanRoute(2)), as: UTF8.self)
        let json = #"{"action":"create","kind":"route","before":\#(route),"after":\#(route)}"#
        #expect(throws: (any Error).self) { try JSONDecoder().decode(Change.self, from: Data(json.utf8)) }
        let link = String(decoding: try Self.encode(PF.link()), as: UTF8.self)
        let deleteLink = #"{"action":"delete","kind":"link","before":\#(link),"after":\#(link)}"#
        #expect(throws: (any Error).self) { try JSONDecoder().decode(Change.self, from: Data(deleteLink.utf8)) }
    }
}
