import CMnl
import Netlink
import Testing

@Suite struct MessageParsingTests {
    @Test func parsesPaddedMessagesAndRoundTrips() throws {
        let first = NetlinkMessage(type: 24, flags: 2, sequence: 7, portID: 9, payload: [1, 2, 3, 4, 5])
        let second = NetlinkMessage(type: 3, flags: 2, sequence: 7, portID: 9, payload: [0, 0, 0, 0])
        let parsed = try NetlinkMessage.parse(first.bytes + second.bytes)
        #expect(parsed == [first, second])
        #expect(first.bytes.count == 24)
    }

    @Test func truncatedHeaderLengthIsADecodeErrorWithOffset() {
        var bytes = NetlinkMessage(type: 24, flags: 0, sequence: 1, portID: 0, payload: [1, 2, 3, 4]).bytes
        bytes += NetlinkMessage(type: 24, flags: 0, sequence: 1, portID: 0, payload: [1, 2, 3, 4]).bytes
        bytes.removeLast(2)
        do {
            _ = try NetlinkMessage.parse(bytes)
            Issue.record("no error")
        } catch {
            #expect(error.operation == .decode)
            #expect(error.detail?.contains("at offset 20") == true)
        }
    }

    @Test func attributeLongerThanItsMessageIsRefused() {
        let bytes: [UInt8] = [8, 0, 1, 0, 0, 0, 0, 0, 40, 0, 2, 0, 1, 2]
        #expect(throws: NetlinkError.self) { try NetlinkAttribute.parse(bytes) }
        #expect((try? NetlinkAttribute.parse(Array(bytes.prefix(8))))?.count == 1)
    }

    @Test func ackWithFullEchoAndTLVsDecodes() throws {
        // Without NETLINK_CAP_ACK the whole request is echoed before the TLVs.
        let request = NetlinkMessage(type: UInt16(RTM_NEWROUTE), flags: 5, sequence: 3, portID: 0, payload: [UInt8](repeating: 0xaa, count: 12))
        var payload: [UInt8] = []
        withUnsafeBytes(of: Int32(-19)) { payload += $0 }
        payload += request.bytes
        let text = Array("no such device".utf8) + [0]
        withUnsafeBytes(of: UInt16(4 + text.count)) { payload += $0 }
        withUnsafeBytes(of: UInt16(1)) { payload += $0 }
        payload += text
        let message = NetlinkMessage(type: UInt16(NLMSG_ERROR), flags: UInt16(NLM_F_ACK_TLVS), sequence: 3, portID: 1, payload: payload)
        let ack = try NetlinkAck(error: message)
        #expect(ack.errno == 19)
        #expect(ack.message == "no such device")
        #expect(ack.error(request: "RTM_NEWROUTE 10.244.1.0/24")?.description
            == "RTM_NEWROUTE 10.244.1.0/24: No such device (ENODEV): no such device [seq 3]")
    }

    @Test func requestBuilderNestsAndGrows() throws {
        var request = NetlinkRequest(type: UInt16(RTM_NEWLINK), flags: 1, sequence: 5, capacity: 16)
        request.putHeader(ifinfomsg())
        request.nest(UInt16(IFLA_LINKINFO)) { info in
            info.putString(UInt16(IFLA_INFO_KIND), "vxlan")
            info.nest(UInt16(IFLA_INFO_DATA)) { data in
                data.putUInt32(UInt16(IFLA_VXLAN_ID), 1)
                data.putUInt16(UInt16(IFLA_VXLAN_PORT), bigEndian: 8472)
            }
        }
        let message = try #require(try NetlinkMessage.parse(request.bytes).first)
        #expect(message.sequence == 5)
        let attributes = try NetlinkAttribute.parse(message.payload, from: 16)
        #expect(attributes.count == 1)
        let info = try attributes[0].nested()
        #expect(info[0].string == "vxlan")
        let data = try info[1].nested()
        #expect(data[0].uint32 == 1)
        #expect(data[1].value == [0x21, 0x18])
        #expect(data[1].bigEndianUInt16 == 8472)
    }
}
