import NetState
import Netlink
import Planner

extension ChangeEncoder {
    /// `ip link add NAME [address MAC] mtu M [txqueuelen Q] type vxlan id VNI local IP dev
    /// UNDERLAY dstport P [no]learning [gbp]`, then `ip link set NAME up|down`. An IPv6 `local`
    /// (`flannel-v6.<VNI>`) goes in `IFLA_VXLAN_LOCAL6`. (`accept_ra` is no rtnetlink
    /// attribute: the executor writes its sysctl between the two, `acceptRAWrite`.)
    ///
    /// The second request names the device by `IFLA_IFNAME` with `ifi_index` 0, which the kernel
    /// resolves by name: its index is not known before the first request has run, and both can
    /// then go out without reading the indices in between.
    static func createLink(_ link: VxlanLink, underlayIndex: UInt32?) -> [EncodedMessage] {
        let vxlan = LinkAttributes.Vxlan(
            vni: link.vni, local: link.local.map(NetlinkAddress.init), underlayIndex: underlayIndex, port: link.port,
            learning: link.learning, gbp: link.gbp
        )
        let create = LinkAttributes(
            name: link.name, mtu: link.mtu, mac: link.mac?.value, kind: "vxlan", vxlan: vxlan, txQueueLength: link.txQueueLength
        )
        let state = LinkAttributes(name: link.name, up: link.up)
        return [
            EncodedMessage(
                bytes: create.request(.new, flags: createExclusive), label: "RTM_NEWLINK \(link.name) type vxlan id \(link.vni)"
            ),
            EncodedMessage(bytes: state.request(.new, flags: plain), label: "RTM_NEWLINK \(link.name) \(link.up ? "up" : "down")"),
        ]
    }

    /// `ip link set NAME type vxlan [no]learning`, then `ip link set NAME [mtu M] [txqueuelen Q]
    /// [up|down]`, on the device's index; nothing to change, no request.
    ///
    /// Two requests, because the vxlan driver refuses `IFLA_MTU` in a request that also carries
    /// its `IFLA_INFO_DATA` ("Cannot change mtu", `EOPNOTSUPP`, seen on 6.18): it reads the MTU
    /// as part of its own configuration, which cannot change on a live device.
    static func modifyLink(old: VxlanLink, new: VxlanLink, index: UInt32) -> [EncodedMessage] {
        var messages: [EncodedMessage] = []
        if old.learning != new.learning {
            let learning = LinkAttributes(index: index, kind: "vxlan", vxlan: LinkAttributes.Vxlan(learning: new.learning))
            messages.append(EncodedMessage(
                bytes: learning.request(.new, flags: plain),
                label: "RTM_NEWLINK \(new.name) type vxlan \(new.learning ? "learning" : "nolearning")"
            ))
        }
        var change = LinkAttributes(index: index)
        var words: [String] = []
        if old.mtu != new.mtu {
            change.mtu = new.mtu
            words.append("mtu \(new.mtu)")
        }
        if let length = new.txQueueLength, old.txQueueLength != length {
            change.txQueueLength = length
            words.append("txqueuelen \(length)")
        }
        if old.up != new.up {
            change.up = new.up
            words.append(new.up ? "up" : "down")
        }
        if !words.isEmpty {
            messages.append(EncodedMessage(
                bytes: change.request(.new, flags: plain), label: "RTM_NEWLINK \(new.name) " + words.joined(separator: " ")
            ))
        }
        return messages
    }

    /// The `accept_ra` a link change sets, if any: a created device's, or a kept device's whose
    /// value changes (the planner only plans that when both values are known).
    public static func acceptRAWrite(for change: Change) -> (device: String, value: Int32)? {
        switch change {
        case let .createLink(link), let .recreateLink(_, link):
            return link.acceptRA.map { (link.name, $0) }
        case let .modifyLink(old, new):
            guard let value = new.acceptRA, old.acceptRA != value else { return nil }
            return (new.name, value)
        default:
            return nil
        }
    }

    /// `ip link del NAME`.
    static func deleteLink(_ link: VxlanLink, index: UInt32) -> EncodedMessage {
        EncodedMessage(bytes: LinkAttributes(index: index).request(.delete, flags: plain), label: "RTM_DELLINK \(link.name)")
    }
}
