/// The vxlan device `flannel.<VNI>` and its addresses.
///
/// The attributes that decide whether an existing device can be kept (VNI, local, underlay,
/// port) cannot be changed on a live vxlan device: the kernel refuses. A device that differs in
/// them, or whose MAC differs from the lease's VtepMAC that peers have in their FDB, must be
/// re-created. MTU, learning and up/down can be changed in place.
public struct VxlanLink: Hashable, Sendable {
    public var name: String
    public var vni: UInt32
    public var local: IPv4Address?
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

    public static let defaultPort: UInt16 = 8472

    public init(
        name: String, vni: UInt32, local: IPv4Address?, underlay: String?, port: UInt16 = VxlanLink.defaultPort,
        learning: Bool = false, gbp: Bool = false, mtu: UInt32, mac: MACAddress?, up: Bool = true,
        addresses: [InterfaceAddress] = []
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
    }

    /// True when `other` (an observed device) can be turned into this one without deleting it.
    public func canBeModified(from other: VxlanLink) -> Bool {
        vni == other.vni && local == other.local && underlay == other.underlay && port == other.port
            && gbp == other.gbp && (mac == nil || mac == other.mac)
    }

    /// The words after `ip link add NAME`, as `ip link add` takes them.
    public var linkArguments: [String] {
        var words: [String] = []
        if let mac { words += ["address", mac.description] }
        words += ["mtu", String(mtu), "type", "vxlan", "id", String(vni)]
        if let local { words += ["local", local.description] }
        if let underlay { words += ["dev", underlay] }
        words += ["dstport", String(port)]
        words.append(learning ? "learning" : "nolearning")
        if gbp { words.append("gbp") }
        return words
    }
}

extension VxlanLink: CustomStringConvertible {
    /// `flannel.1 mtu 1450 address 12:c6:65:89:b4:e3 type vxlan id 1 local 192.168.1.11 dev eth0
    /// dstport 8472 nolearning up`.
    public var description: String {
        ([name] + linkArguments + [up ? "up" : "down"]).joined(separator: " ")
    }
}
