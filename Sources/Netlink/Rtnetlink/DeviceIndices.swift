import CMnl
import Glibc

/// Reads the kernel's device name → ifindex map with one `RTM_GETLINK` dump.
///
/// The request is the link codec's (`LinkAttributes.dumpRequest`). The answer is read leniently
/// here, on purpose: apply only needs each index and name, and a device elsewhere on the host
/// whose other attributes or name the full decoder would refuse must not stop it.
public enum DeviceIndices {
    public static func read(using transport: some NetlinkTransport) throws(NetlinkError) -> [String: UInt32] {
        var indices: [String: UInt32] = [:]
        for message in try transport.dump(LinkAttributes.dumpRequest(), label: "RTM_GETLINK dump (device indices)") {
            guard let (name, index) = try decode(message) else { continue }
            indices[name] = index
        }
        return indices
    }

    /// The name and index of one `RTM_NEWLINK`; nil for other message types.
    static func decode(_ message: NetlinkMessage) throws(NetlinkError) -> (String, UInt32)? {
        guard message.type == UInt16(RTM_NEWLINK) else { return nil }
        let headerSize = MemoryLayout<ifinfomsg>.size
        guard message.payload.count >= headerSize else {
            throw NetlinkError.decode(
                "RTM_NEWLINK: payload of \(message.payload.count) bytes, header needs \(headerSize)",
                offset: NetlinkMessage.headerLength
            )
        }
        var index: UInt32 = 0
        withUnsafeMutableBytes(of: &index) { raw in
            for offset in 0..<4 { raw[offset] = message.payload[4 + offset] }
        }
        let attributes = try NetlinkAttribute.parse(
            message.payload, from: (headerSize + 3) & ~3, baseOffset: NetlinkMessage.headerLength
        )
        guard let name = attributes.first(where: { Int($0.type) == IFLA_IFNAME })?.string, !name.isEmpty else {
            throw NetlinkError.decode("RTM_NEWLINK of ifindex \(index) without IFLA_IFNAME", offset: NetlinkMessage.headerLength)
        }
        return (name, index)
    }
}
