import NetState

extension NetConfReader {
    /// The largest VXLAN network identifier: VNIs are 24 bits.
    static let maximumVNI: Int64 = 0xFF_FFFF

    /// What this tool tells an operator whose backend it cannot program.
    static let supportedBackendsNote = "only vxlan and host-gw are supported"

    /// Decodes the fields of net-conf.json (flannel's `pkg/subnet/config.go` and the vxlan
    /// backend's options), with flannel's defaults.
    ///
    /// `SubnetLen: 0`, `IPv6SubnetLen: 0` and `MTU: 0` mean "flannel's default" and are kept as
    /// nil. `EnableIPv4` (default true) and `EnableIPv6` (default false) choose the families, as
    /// flannel's `ParseConfig` and `CheckNetworkConfig` do (v0.20.2 `subnet/config.go`): each
    /// enabled family needs its network. `EnableNFTables` (default false, as flannel) chooses
    /// between flannel's iptables-mode rules and its nf_tables tables. `SubnetMin`, `SubnetMax`,
    /// `IPv6SubnetMin`, `IPv6SubnetMax` and `Learning` are checked for their type and otherwise
    /// ignored: the first four matter only when flannel allocates subnets, and this tool always
    /// creates the devices with `nolearning`.
    static func decode(_ object: InputObject) throws(InputError) -> NetConf {
        let enableIPv4 = try object.field("EnableIPv4")?.bool() ?? true
        let enableIPv6 = try object.field("EnableIPv6")?.bool() ?? false
        let enableNFTables = try object.field("EnableNFTables")?.bool() ?? false
        _ = try object.field("SubnetMin")?.ipv4Address(example: "10.244.1.0")
        _ = try object.field("SubnetMax")?.ipv4Address(example: "10.244.255.0")
        _ = try object.field("IPv6SubnetMin")?.ipv6Address(example: "fd00:10:244:1::")
        _ = try object.field("IPv6SubnetMax")?.ipv6Address(example: "fd00:10:244:ff::")
        let subnetLen = try object.field("SubnetLen")?.integer(in: 0...32)
        let ipv6SubnetLen = try object.field("IPv6SubnetLen")?.integer(in: 0...128)

        guard enableIPv4 || enableIPv6 else {
            throw object.path.appending("EnableIPv4").error(
                .invalidValue, "false with EnableIPv6 false leaves no address family to program; enable at least one")
        }
        let network = enableIPv4 ? try decodeNetwork(object, subnetLen: subnetLen) : nil
        let ipv6Network = enableIPv6 ? try decodeIPv6Network(object, subnetLen: ipv6SubnetLen) : nil
        let backend = try decodeBackend(object)
        return NetConf(
            network: network,
            subnetLen: subnetLen.flatMap { $0 == 0 ? nil : UInt8($0) },
            enableIPv4: enableIPv4,
            enableIPv6: enableIPv6,
            ipv6Network: ipv6Network,
            ipv6SubnetLen: enableIPv6 ? ipv6SubnetLen.flatMap { $0 == 0 ? nil : UInt8($0) } : nil,
            enableNFTables: enableNFTables,
            backend: backend)
    }

    /// `Network` and `SubnetLen`, required with `EnableIPv4`.
    private static func decodeNetwork(_ object: InputObject, subnetLen: Int64?) throws(InputError) -> IPv4Prefix {
        guard let networkValue = object.field("Network") else {
            throw object.path.appending("Network").error(
                .missingField, "required when EnableIPv4 is true: an IPv4 CIDR such as \"10.244.0.0/16\"")
        }
        let network = try networkValue.ipv4Prefix(example: "10.244.0.0/16")
        // Every route inside Network with a lease's length can be ours: a Network holding
        // 0.0.0.0/0 would hand the whole routing table, the default route included, to the tool.
        guard network.length > 0 else {
            throw networkValue.path.error(
                .invalidValue,
                "\(network) contains every address, the default route's among them; expected the cluster's pod CIDR such as \"10.244.0.0/16\"")
        }
        // flannel's `pkg/subnet/config.go` (CheckNetworkConfig): a lease must fit more than once
        // into Network and leave room for a bridge and a tunnel address.
        if let length = subnetLen, length != 0 {
            guard length <= 30 else {
                throw object.path.appending("SubnetLen").error(
                    .invalidValue, "\(length) leaves no room for a bridge and a tunnel address; expected at most 30")
            }
            guard length > Int64(network.length) else {
                throw object.path.appending("SubnetLen").error(
                    .invalidValue,
                    "\(length) is not longer than Network \(network)'s prefix: one lease would take the whole network; expected \(network.length + 1) to 30")
            }
        }
        return network
    }

    /// `IPv6Network` and `IPv6SubnetLen`, required with `EnableIPv6`, checked as flannel's
    /// `CheckNetworkConfig` checks them (v0.20.2 `subnet/config.go:121–148`): a lease of at most
    /// /126, longer than the network; without `IPv6SubnetLen` the network must be /124 or
    /// wider. `::/0` is refused as `0.0.0.0/0` is: it would make every IPv6 route ownable.
    private static func decodeIPv6Network(_ object: InputObject, subnetLen: Int64?) throws(InputError) -> IPv6Prefix {
        guard let networkValue = object.field("IPv6Network") else {
            throw object.path.appending("IPv6Network").error(
                .missingField, "required when EnableIPv6 is true: an IPv6 CIDR such as \"fd00:10:244::/56\"")
        }
        let network = try networkValue.ipv6Prefix(example: "fd00:10:244::/56")
        guard network.length > 0 else {
            throw networkValue.path.error(
                .invalidValue,
                "\(network) contains every address, the default route's among them; expected the cluster's IPv6 pod CIDR such as \"fd00:10:244::/56\"")
        }
        if let length = subnetLen, length != 0 {
            guard length <= 126 else {
                throw object.path.appending("IPv6SubnetLen").error(
                    .invalidValue, "\(length) leaves no room for a bridge and a tunnel address; expected at most 126")
            }
            guard length > Int64(network.length) else {
                throw object.path.appending("IPv6SubnetLen").error(
                    .invalidValue,
                    "\(length) is not longer than IPv6Network \(network)'s prefix: one lease would take the whole network; expected \(network.length + 1) to 126")
            }
        } else if network.length > 124 {
            throw networkValue.path.error(
                .invalidValue, "\(network) is too small: flannel needs IPv6Network /124 or wider when IPv6SubnetLen is not set")
        }
        return network
    }

    /// `Backend`: flannel reads `Type` first (case-insensitive value), then the backend's own
    /// options. The vxlan options are checked for host-gw too, because during a rolling switch
    /// from vxlan the VNI and port still describe the device that vxlan peers send to.
    private static func decodeBackend(_ object: InputObject) throws(InputError) -> NetConf.Backend {
        guard let backendValue = object.field("Backend") else {
            throw object.path.appending("Backend").error(
                .unsupportedBackend,
                "missing, so flannel would use the \"udp\" backend; \(supportedBackendsNote)")
        }
        let backend = try backendValue.object()
        guard let typeValue = backend.field("Type") else {
            throw backend.path.appending("Type").error(.missingField, "required: \"vxlan\" or \"host-gw\"")
        }
        let typeText = try typeValue.string()
        guard let type = BackendType(rawValue: typeText.lowercased()) else {
            throw typeValue.path.error(
                .unsupportedBackend, "backend \(typeText.debugDescription) is not supported; \(supportedBackendsNote)")
        }
        let vni = try backend.field("VNI")?.integer(in: 0...maximumVNI) ?? 1
        let port = try backend.field("Port")?.integer(in: 0...Int64(UInt16.max)) ?? 0
        let directRouting = try backend.field("DirectRouting")?.bool() ?? false
        let gbp = try backend.field("GBP")?.bool() ?? false
        _ = try backend.field("Learning")?.bool()
        var mtu: UInt32?
        if let mtuValue = backend.field("MTU") {
            guard case .number(let text) = mtuValue.json, let value = UInt32(text), value == 0 || (68...65535).contains(value)
            else { throw mtuValue.mismatch("0 (the interface's MTU) or an integer from 68 to 65535") }
            mtu = value == 0 ? nil : value
        }
        return NetConf.Backend(
            type: type, vni: UInt32(vni), port: UInt16(port), directRouting: directRouting, mtu: mtu, gbp: gbp)
    }
}
