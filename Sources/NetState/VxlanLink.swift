/// The vxlan device `flannel.<VNI>` and its addresses.
///
/// The attributes that decide whether an existing device can be kept (VNI, local, underlay,
/// port) cannot be changed on a live vxlan device: the kernel refuses. A device that differs in
/// them, or whose MAC differs from the lease's VtepMAC that peers have in their FDB, must be
/// re-created. MTU, learning, up/down, the transmit queue length and `accept_ra` can be changed
/// in place.
public struct VxlanLink: Hashable, Sendable {
    public var name: String
    public var vni: UInt32
    /// The underlay address the device sends from: IPv4 on `flannel.<VNI>`, IPv6 on
    /// `flannel-v6.<VNI>` (`IFLA_VXLAN_LOCAL` / `IFLA_VXLAN_LOCAL6`).
    public var local: IPAddress?
    /// The underlay device's name (`dev eth0`).
    public var underlay: String?
    /// The UDP destination port; the kernel's default for an unset port is 8472.
    public var port: UInt16
    public var learning: Bool
    public var gbp: Bool
    public var mtu: UInt32
    /// The device MAC. Nil in a desired state means "whatever the device has": a node whose own
    /// lease no longer advertises a VtepMAC (it switched to host-gw) keeps its device only to
    /// decapsulate for peers that have not switched yet.
    public var mac: MACAddress?
    public var up: Bool
    public var addresses: [InterfaceAddress]
    /// The transmit queue length (`IFLA_TXQLEN`, `ip link`'s `qlen`). flanneld's device has 0
    /// (measured on v0.18.1 and v0.20.2); `ip link add` without it gets the kernel's 1000. Nil:
    /// not known (a snapshot written before this field existed), never a difference.
    public var txQueueLength: UInt32?
    /// `net.ipv6.conf.<dev>.accept_ra` (0, 1 or 2). flanneld sets 0 right after creating the
    /// device. Nil: not known: IPv6 is disabled on the device (no `IFLA_INET6_CONF`, no sysctl),
    /// or an older snapshot. An unknown value is never a difference to repair, or the plan would
    /// repair it forever.
    public var acceptRA: Int32?

    public static let defaultPort: UInt16 = 8472

    /// `flannel-v6.<VNI>` beside `flannel.<VNI>`, as flannel names its devices (v0.20.2
    /// `backend/vxlan/vxlan.go`: `flannel.%v`, `flannel-v6.%v`); another name gets `-v6`. The
    /// one rule the ownership contract and the observer both name the IPv6 device by.
    public static func ipv6DeviceName(for vxlanDevice: String) -> String {
        guard vxlanDevice.hasPrefix("flannel.") else { return vxlanDevice + "-v6" }
        return "flannel-v6." + vxlanDevice.dropFirst("flannel.".count)
    }
    /// What flanneld gives its device: `txqlen 0`, `accept_ra 0`.
    public static let flannelTxQueueLength: UInt32 = 0
    public static let flannelAcceptRA: Int32 = 0

    public init(
        name: String, vni: UInt32, local: IPAddress?, underlay: String?, port: UInt16 = VxlanLink.defaultPort,
        learning: Bool = false, gbp: Bool = false, mtu: UInt32, mac: MACAddress?, up: Bool = true,
        addresses: [InterfaceAddress] = [], txQueueLength: UInt32? = nil, acceptRA: Int32? = nil
    ) {
        self.name = name
        self.vni = vni
        self.local = local
        self.underlay = underlay
        self.port = port
        self.learning = learning
        self.gbp = gbp
        self.mtu = mtu
        self.mac = mac
        self.up = up
        self.addresses = addresses.sorted()
        self.txQueueLength = txQueueLength
        self.acceptRA = acceptRA
    }

    /// True when `other` (an observed device) can be turned into this one without deleting it.
    public func canBeModified(from other: VxlanLink) -> Bool {
        vni == other.vni && local == other.local && underlay == other.underlay && port == other.port
            && gbp == other.gbp && (mac == nil || mac == other.mac)
    }

    /// `want` with what is not known on either side taken from `self` (the observed device): a
    /// field nil on one side is never a difference.
    public func settingKnownFields(of want: VxlanLink) -> VxlanLink {
        var target = self
        if let value = want.txQueueLength, txQueueLength != nil { target.txQueueLength = value }
        if let value = want.acceptRA, acceptRA != nil { target.acceptRA = value }
        return target
    }

    /// The words after `ip link add NAME`, as `ip link add` takes them.
    public var linkArguments: [String] { words(queueLengthWord: "txqueuelen") }

    /// `linkArguments` with `ip link`'s `qlen` for the queue length, as listings show it.
    private func words(queueLengthWord: String) -> [String] {
        var words: [String] = []
        if let mac { words += ["address", mac.description] }
        words += ["mtu", String(mtu)]
        if let txQueueLength { words += [queueLengthWord, String(txQueueLength)] }
        words += ["type", "vxlan", "id", String(vni)]
        if let local { words += ["local", local.description] }
        if let underlay { words += ["dev", underlay] }
        words += ["dstport", String(port)]
        words.append(learning ? "learning" : "nolearning")
        if gbp { words.append("gbp") }
        return words
    }
}

extension VxlanLink: CustomStringConvertible {
    /// `flannel.1 address 12:c6:65:89:b4:e3 mtu 1450 qlen 0 type vxlan id 1 local 192.168.1.11
    /// dev eth0 dstport 8472 nolearning up accept_ra 0`: `ip -d link`'s words (`qlen`), and the
    /// sysctl's name for `accept_ra`, which `ip` does not show. Unknown values are left out.
    public var description: String {
        var words = [name] + words(queueLengthWord: "qlen") + [up ? "up" : "down"]
        if let acceptRA { words += ["accept_ra", String(acceptRA)] }
        return words.joined(separator: " ")
    }

    /// The sysctl that holds `accept_ra`, as `sysctl` names it: a dot in the device name is
    /// written `/` (`net.ipv6.conf.flannel/1.accept_ra`).
    public var acceptRASysctlName: String {
        "net.ipv6.conf.\(String(name.map { $0 == "." ? "/" : $0 })).accept_ra"
    }
}
