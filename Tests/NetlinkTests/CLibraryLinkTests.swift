import CMnl
import CNftnl
import Testing

/// The C modules import and link: one libmnl and one libnftnl call, no root needed.
@Suite struct CLibraryLinkTests {
    @Test func libmnlBuildsAHeaderInACallerBuffer() {
        var buffer = [UInt8](repeating: 0, count: Int(cmnl_socket_buffer_size()))
        let length = buffer.withUnsafeMutableBytes { raw -> UInt32 in
            let header = mnl_nlmsg_put_header(raw.baseAddress)
            header?.pointee.nlmsg_type = UInt16(RTM_GETROUTE)
            return header?.pointee.nlmsg_len ?? 0
        }
        #expect(length == UInt32(cmnl_nlmsg_hdrlen()))
        #expect(buffer[4] == UInt8(RTM_GETROUTE))
    }

    @Test func libnftnlAllocatesAndNamesATable() throws {
        let table = try #require(nftnl_table_alloc())
        defer { nftnl_table_free(table) }
        nftnl_table_set_str(table, UInt16(NFTNL_TABLE_NAME.rawValue), "flannel-ipv4")
        let name = try #require(nftnl_table_get_str(table, UInt16(NFTNL_TABLE_NAME.rawValue)))
        #expect(String(cString: name) == "flannel-ipv4")
    }
}
