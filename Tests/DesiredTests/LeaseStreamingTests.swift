import Testing

@testable import Desired

/// Format 2 is read member by member (`InputJSONParser.forEachMember`); what comes out must be
/// exactly what reading the whole document tree gave: the same leases and rejections in the same
/// order, and the same refusal of a malformed file.
@Suite struct LeaseStreamingTests {
    static let document = """
        {
          "/coreos.com/network/config": {"Network": "10.244.0.0/16"},
          "/coreos.com/network/subnets/10.244.1.0-24": {"PublicIP": "172.22.0.11", "BackendType": "vxlan", "BackendData": {"VNI": 1, "VtepMAC": "0e:00:00:00:00:01"}},
          "/coreos.com/network/subnets/10.244.2.0-24": "{\\"PublicIP\\": \\"172.22.0.12\\", \\"BackendType\\": \\"host-gw\\"}",
          "/coreos.com/network/subnets/10.244.3.0-24": {"PublicIP": "not an address", "BackendType": "vxlan"},
          "/coreos.com/network/subnets/10.244.4.0-25": {"PublicIP": "172.22.0.14", "BackendType": "vxlan", "BackendData": {"VNI": 1, "VtepMAC": "0e:00:00:00:00:04"}},
          "/coreos.com/network/subnets/10.244.1.0-24": {"PublicIP": "172.22.0.15", "BackendType": "host-gw"}
        }
        """

    /// What `read` gave before streaming: the whole tree, then `readKeyedObject`.
    static func wholeTree(_ bytes: [UInt8]) throws(InputError) -> LeaseReading {
        let path = InputPath(source: "leases.json")
        let document: InputJSON
        do {
            document = try InputJSONParser.parse(bytes)
        } catch {
            throw path.malformedJSON(error, embedded: false)
        }
        guard case .object(let members) = document, members.allSatisfy({ $0.key.hasPrefix("/") }) else {
            throw path.error(.unknownFormat, Self.otherFormat)
        }
        return try LeaseReader.readKeyedObject(InputObject(members: members, path: path))
    }

    /// A corruption that made the file another format (or none) is not this reader's case.
    static let otherFormat = "not format 2"

    static func outcome(_ read: () throws(InputError) -> LeaseReading) -> String {
        do {
            let reading = try read()
            return "\(reading.leases) \(reading.rejected.map { "\($0.key) \($0.error)" })"
        } catch {
            return "refused: \(error)"
        }
    }

    @Test func sameLeasesAndRejectionsAsTheWholeTree() throws {
        let bytes = Array(Self.document.utf8)
        let streamed = try LeaseReader.read(bytes, source: "leases.json")
        #expect(streamed == (try Self.wholeTree(bytes)))
        #expect(streamed.leases.count == 4 && streamed.rejected.count == 1)
    }

    /// Every truncation and a few corruptions: refused with the same message, or read alike.
    @Test func sameRefusalsAsTheWholeTree() {
        let bytes = Array(Self.document.utf8)
        var cases = (1..<bytes.count).map { Array(bytes[..<$0]) }
        for (offset, byte) in [(40, UInt8(ascii: "}")), (130, UInt8(ascii: ",")), (200, UInt8(ascii: "\u{01}")), (bytes.count - 1, UInt8(ascii: "]"))] {
            var corrupt = bytes
            corrupt[offset] = byte
            cases.append(corrupt)
        }
        cases.append(bytes + Array(" x".utf8))
        for input in cases where input.contains(where: { !LeaseReader.isBlank($0) }) {
            let streamed = Self.outcome { () throws(InputError) in try LeaseReader.read(input, source: "leases.json") }
            let whole = Self.outcome { () throws(InputError) in try Self.wholeTree(input) }
            if whole.contains(Self.otherFormat) { continue }
            #expect(streamed == whole, "\(String(decoding: input, as: UTF8.self))")
        }
    }

    /// A top-level key the caller declines stops the walk before its value is built.
    @Test func aDeclinedKeyStopsBeforeItsValue() throws {
        var seen: [String] = []
        let complete = try InputJSONParser.forEachMember(of: Array(#"{"/a": 1, "kvs": [1, 2,, "/b": 2}"#.utf8), accepts: { $0.hasPrefix("/") }) {
            seen.append($0.key)
        }
        #expect(!complete && seen == ["/a"])
        #expect(try !InputJSONParser.forEachMember(of: Array("[1]".utf8), accepts: { _ in true }) { _ in })
    }
}
