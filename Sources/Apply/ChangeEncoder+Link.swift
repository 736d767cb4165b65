import CMnl
import Glibc
import NetState
import Netlink

extension ChangeEncoder {
    /// `ip link add NAME [address MAC] mtu M type vxlan id VNI local IP dev UNDERLAY dstport P
    /// [no]learning [gbp]`, then `ip link set NAME up|down`.
    ///
    /// The second request names the device by `IFLA_IFNAME` with `ifi_index` 0, which the kernel
    /// resolves by name: its index is not known before the first request has run, and both can
    /// then go out without reading the indices in between.
    static func createLink(_ link: VxlanLink, underlayIndex: UInt32?) -> [EncodedMessage] {
        var create = NetlinkRequest(type: UInt16(RTM_NEWLINK), flags: createExclusive, sequence: 0)
        var header = ifinfomsg()
        header.ifi_family = UInt8(AF_UNSPEC)
        create.putHeader(header)
        create.putString(UInt16(IFLA_IFNAME), link.name)
        create.putUInt32(UInt16(IFLA_MTU), link.mtu)
        if let mac = link.mac { create.putBytes(UInt16(IFLA_ADDRESS), mac.bytes) }
        create.nest(UInt16(IFLA_LINKINFO)) { info in
            info.putString(UInt16(IFLA_INFO_KIND), "vxlan")
            info.nest(UInt16(IFLA_INFO_DATA)) { data in
                data.putUInt32(UInt16(IFLA_VXLAN_ID), link.vni)
                if let local = link.local { data.putUInt32(UInt16(IFLA_VXLAN_LOCAL), bigEndian: local.value) }
                if let underlayIndex { data.putUInt32(UInt16(IFLA_VXLAN_LINK), underlayIndex) }
                data.putUInt16(UInt16(IFLA_VXLAN_PORT), bigEndian: link.port)
                data.putUInt8(UInt16(IFLA_VXLAN_LEARNING), link.learning ? 1 : 0)
                // A flag attribute: present means on.
                if link.gbp { data.putBytes(UInt16(IFLA_VXLAN_GBP), []) }
            }
        }
        var state = NetlinkRequest(type: UInt16(RTM_NEWLINK), flags: plain, sequence: 0)
        state.putHeader(upDown(index: 0, up: link.up))
        state.putString(UInt16(IFLA_IFNAME), link.name)
        return [
            EncodedMessage(bytes: create.bytes, label: "RTM_NEWLINK \(link.name) type vxlan id \(link.vni)"),
            EncodedMessage(bytes: state.bytes, label: "RTM_NEWLINK \(link.name) \(link.up ? "up" : "down")"),
        ]
    }

    /// `ip link set NAME type vxlan [no]learning`, then `ip link set NAME [mtu M] [up|down]`, on
    /// the device's index; nothing to change, no request.
    ///
    /// Two requests, because the vxlan driver refuses `IFLA_MTU` in a request that also carries
    /// its `IFLA_INFO_DATA` ("Cannot change mtu", `EOPNOTSUPP`, seen on 6.18): it reads the MTU
    /// as part of its own configuration, which cannot change on a live device.
    static func modifyLink(old: VxlanLink, new: VxlanLink, index: UInt32) -> [EncodedMessage] {
        var messages: [EncodedMessage] = []
        if old.learning != new.learning {
            var request = NetlinkRequest(type: UInt16(RTM_NEWLINK), flags: plain, sequence: 0)
            request.putHeader(header(index: index))
            request.nest(UInt16(IFLA_LINKINFO)) { info in
                info.putString(UInt16(IFLA_INFO_KIND), "vxlan")
                info.nest(UInt16(IFLA_INFO_DATA)) { data in
                    data.putUInt8(UInt16(IFLA_VXLAN_LEARNING), new.learning ? 1 : 0)
                }
            }
            messages.append(EncodedMessage(
                bytes: request.bytes, label: "RTM_NEWLINK \(new.name) type vxlan \(new.learning ? "learning" : "nolearning")"
            ))
        }
        let mtu = old.mtu != new.mtu
        let upDown = old.up != new.up
        if mtu || upDown {
            var request = NetlinkRequest(type: UInt16(RTM_NEWLINK), flags: plain, sequence: 0)
            request.putHeader(upDown ? self.upDown(index: index, up: new.up) : header(index: index))
            var words: [String] = []
            if mtu {
                request.putUInt32(UInt16(IFLA_MTU), new.mtu)
                words.append("mtu \(new.mtu)")
            }
            if upDown { words.append(new.up ? "up" : "down") }
            messages.append(EncodedMessage(bytes: request.bytes, label: "RTM_NEWLINK \(new.name) " + words.joined(separator: " ")))
        }
        return messages
    }

    /// `ip link del NAME`.
    static func deleteLink(_ link: VxlanLink, index: UInt32) -> EncodedMessage {
        var request = NetlinkRequest(type: UInt16(RTM_DELLINK), flags: plain, sequence: 0)
        request.putHeader(header(index: index))
        return EncodedMessage(bytes: request.bytes, label: "RTM_DELLINK \(link.name)")
    }

    /// An `ifinfomsg` naming the device by index and changing no flag.
    private static func header(index: UInt32) -> ifinfomsg {
        var header = ifinfomsg()
        header.ifi_family = UInt8(AF_UNSPEC)
        header.ifi_index = Int32(bitPattern: index)
        return header
    }

    /// `ifi_change = IFF_UP` with `IFF_UP` set or clear: only that flag is touched.
    private static func upDown(index: UInt32, up: Bool) -> ifinfomsg {
        var header = ifinfomsg()
        header.ifi_family = UInt8(AF_UNSPEC)
        header.ifi_index = Int32(bitPattern: index)
        header.ifi_flags = up ? UInt32(IFF_UP) : 0
        header.ifi_change = UInt32(IFF_UP)
        return header
    }
}
