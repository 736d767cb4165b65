import CMnl

/// Builds one netlink request with libmnl into an owned buffer: header, family header (`rtmsg`,
/// `ndmsg`, …), then attributes. The buffer grows when an attribute does not fit, so building
/// never fails.
///
/// ```swift
/// var request = NetlinkRequest(type: UInt16(RTM_GETROUTE), flags: UInt16(NLM_F_REQUEST | NLM_F_ACK), sequence: seq)
/// var header = rtmsg(); header.rtm_family = UInt8(AF_INET); header.rtm_dst_len = 32
/// request.putHeader(header)
/// request.putUInt32(UInt16(RTA_DST.rawValue), bigEndian: peer.value)
/// socket.send(request.bytes)
/// ```
public struct NetlinkRequest: Sendable {
    private var storage: [UInt8]

    public init(type: UInt16, flags: UInt16, sequence: UInt32, capacity: Int = 512) {
        storage = [UInt8](repeating: 0, count: max(capacity, Int(cmnl_nlmsg_hdrlen())))
        storage.withUnsafeMutableBytes { raw in
            guard let header = mnl_nlmsg_put_header(raw.baseAddress) else { return }
            header.pointee.nlmsg_type = type
            header.pointee.nlmsg_flags = flags
            header.pointee.nlmsg_seq = sequence
        }
    }

    /// `nlmsg_len`: the request's length so far.
    public var length: Int { Int(storage.loadUInt32(at: 0)) }

    public var sequence: UInt32 {
        get { storage.loadUInt32(at: 8) }
        set { storage.storeUInt32(newValue, at: 8) }
    }

    /// The finished request.
    public var bytes: [UInt8] { Array(storage[0..<length]) }

    /// Appends a fixed family header (a C struct such as `rtmsg`, `ndmsg`, `ifinfomsg`,
    /// `ifaddrmsg`, `nfgenmsg`) with `mnl_nlmsg_put_extra_header`.
    public mutating func putHeader<Header>(_ header: Header) {
        let size = MemoryLayout<Header>.size
        ensure(room: cmnl_align(size))
        storage.withUnsafeMutableBytes { raw in
            let nlh = raw.baseAddress!.assumingMemoryBound(to: nlmsghdr.self)
            guard let extra = mnl_nlmsg_put_extra_header(nlh, size) else { return }
            withUnsafeBytes(of: header) { source in
                extra.copyMemory(from: source.baseAddress!, byteCount: size)
            }
        }
    }

    public mutating func putUInt8(_ type: UInt16, _ value: UInt8) {
        put { nlh, room in mnl_attr_put_u8_check(nlh, room, type, value) }
    }

    public mutating func putUInt16(_ type: UInt16, _ value: UInt16) {
        put { nlh, room in mnl_attr_put_u16_check(nlh, room, type, value) }
    }

    public mutating func putUInt32(_ type: UInt16, _ value: UInt32) {
        put { nlh, room in mnl_attr_put_u32_check(nlh, room, type, value) }
    }

    /// A 32-bit value in network byte order (IPv4 addresses held in host order).
    public mutating func putUInt32(_ type: UInt16, bigEndian value: UInt32) {
        put { nlh, room in mnl_attr_put_u32_check(nlh, room, type, value.bigEndian) }
    }

    /// A 16-bit value in network byte order (UDP ports).
    public mutating func putUInt16(_ type: UInt16, bigEndian value: UInt16) {
        put { nlh, room in mnl_attr_put_u16_check(nlh, room, type, value.bigEndian) }
    }

    public mutating func putBytes(_ type: UInt16, _ value: [UInt8]) {
        put { nlh, room in
            value.withUnsafeBytes { mnl_attr_put_check(nlh, room, type, $0.count, $0.baseAddress) }
        }
    }

    /// A 6-byte hardware address (`IFLA_ADDRESS`, `NDA_LLADDR`) held in the low 48 bits of
    /// `value`, first byte most significant; sent without building an array.
    public mutating func putMAC(_ type: UInt16, _ value: UInt64) {
        let wire = (value << 16).bigEndian
        put { nlh, room in
            Swift.withUnsafeBytes(of: wire) { mnl_attr_put_check(nlh, room, type, 6, $0.baseAddress) }
        }
    }

    /// A value given as raw bytes (an address's 4 or 16, see `putAddress`), without building an
    /// array.
    mutating func putRaw(_ type: UInt16, _ value: UnsafeRawBufferPointer) {
        put { nlh, room in mnl_attr_put_check(nlh, room, type, value.count, value.baseAddress) }
    }

    /// A NUL-terminated string (`IFLA_IFNAME`, `IFLA_INFO_KIND`).
    public mutating func putString(_ type: UInt16, _ value: String) {
        put { nlh, room in mnl_attr_put_strz_check(nlh, room, type, value) }
    }

    /// A nested attribute: `body` appends its members.
    public mutating func nest(_ type: UInt16, _ body: (inout NetlinkRequest) -> Void) {
        let start = length
        put { nlh, room in mnl_attr_nest_start_check(nlh, room, type) != nil }
        body(&self)
        // Patch the nest header's length now that the members are in (offset-based, since
        // growing the buffer may have moved it).
        let nestLength = UInt16(truncatingIfNeeded: length - start)
        Swift.withUnsafeBytes(of: nestLength) { bytes in
            storage[start] = bytes[0]
            storage[start + 1] = bytes[1]
        }
    }

    private mutating func put(_ body: (UnsafeMutablePointer<nlmsghdr>, Int) -> Bool) {
        while true {
            let capacity = storage.count
            let fitted = storage.withUnsafeMutableBytes { raw in
                body(raw.baseAddress!.assumingMemoryBound(to: nlmsghdr.self), capacity)
            }
            if fitted { return }
            storage += [UInt8](repeating: 0, count: storage.count)
        }
    }

    private mutating func ensure(room: Int) {
        while storage.count - length < room { storage += [UInt8](repeating: 0, count: storage.count) }
    }
}
