import NetState
import Netlink

/// The vxlan devices named as flannel names them, `flannel.<VNI>`, on the live kernel: with no
/// net-conf file on the node (only flanneld's `subnet.env`, which has no VNI), `observe` takes
/// the VNI from the device flanneld made.
public enum FlannelDevices {
    /// The VNIs of the vxlan devices called `flannel.<VNI>` whose own VNI is that number, in
    /// ascending order, in the namespace of the calling thread.
    public static func vnis() throws(NetlinkError) -> [UInt32] {
        let socket = try NetlinkSocket.routing()
        defer { socket.close() }
        return try vnis(using: socket)
    }

    /// `vnis()` over any transport (tests pass a scripted fake).
    public static func vnis(using transport: some NetlinkTransport) throws(NetlinkError) -> [UInt32] {
        let links = try transport.dump(DumpRequests.links()).map { (message) throws(NetlinkError) in
            try LinkMessage(decoding: message)
        }
        return links.compactMap { link in
            guard let vni = link.vxlan?.vni, link.name == "flannel.\(vni)" else { return nil }
            return vni
        }.sorted()
    }
}
