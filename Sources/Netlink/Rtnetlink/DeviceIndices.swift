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
        guard message.type == NetlinkMessageType.newLink else { return nil }
        let reader = try PayloadReader(message, header: MemoryLayout<ifinfomsg>.size, what: "RTM_NEWLINK")
        let index = UInt32(bitPattern: reader.header(ifinfomsg.self).ifi_index)
        guard let name = try reader.attributes().first(where: { Int($0.type) == IFLA_IFNAME })?.string, !name.isEmpty else {
            throw NetlinkError.decode("RTM_NEWLINK of ifindex \(index) without IFLA_IFNAME", offset: NetlinkMessage.headerLength)
        }
        return (name, index)
    }
}
