import NetState

/// The model read back from the JSON `JSONTextWriter` writes, with the rules the model's
/// `Codable` conformances had: members in any order, unknown members ignored, optionals absent
/// or `null`, `LinkFacts`' and `NetworkState`'s collections optional, every other member
/// required. Refusals name the member's path and say what was wrong.
extension JSONTextReader {
    typealias Member = (inout JSONTextReader, String) throws(JSONReadError) -> Void

    mutating func readSnapshot() throws(JSONReadError) -> Snapshot {
        var version: Int?
        var state: NetworkState?
        var facts: LinkFacts?
        try readObject { (reader: inout JSONTextReader, name: String) throws(JSONReadError) in
            switch name {
            case "version": version = try reader.readInteger(Int.self)
            case "state": state = try reader.readNetworkState()
            case "facts": facts = try reader.readLinkFacts()
            default: try reader.skipValue()
            }
        }
        guard let version else { throw missing("version") }
        guard let state else { throw missing("state") }
        guard let facts else { throw missing("facts") }
        var snapshot = Snapshot(state: state, facts: facts)
        snapshot.version = version
        return snapshot
    }

    /// The top-level `version`, stepping over everything else: read when a snapshot fails, so
    /// that a file of another version is refused for its version, not for its content.
    mutating func readVersionOnly() throws(JSONReadError) -> Int? {
        var version: Int?
        try readObject { (reader: inout JSONTextReader, name: String) throws(JSONReadError) in
            if name == "version", try !reader.readNull() {
                version = try reader.readInteger(Int.self)
            } else {
                try reader.skipValue()
            }
        }
        return version
    }

    mutating func readNetworkState() throws(JSONReadError) -> NetworkState {
        var vxlan: VxlanLink?
        var routes: [Route] = []
        var neighbors: [Neighbor] = []
        var fdb: [FdbEntry] = []
        var tables: [NftTable] = []
        try readObject { (reader: inout JSONTextReader, name: String) throws(JSONReadError) in
            if try reader.readNull() {
                switch name {
                case "vxlan": vxlan = nil
                case "routes": routes = []
                case "neighbors": neighbors = []
                case "fdb": fdb = []
                case "tables": tables = []
                default: break
                }
                return
            }
            switch name {
            case "vxlan": vxlan = try reader.readVxlanLink()
            case "routes": routes = try reader.readArray { (reader: inout JSONTextReader) throws(JSONReadError) in try reader.readRoute() }
            case "neighbors": neighbors = try reader.readArray { (reader: inout JSONTextReader) throws(JSONReadError) in try reader.readNeighbor() }
            case "fdb": fdb = try reader.readArray { (reader: inout JSONTextReader) throws(JSONReadError) in try reader.readFdbEntry() }
            case "tables": tables = try reader.readArray { (reader: inout JSONTextReader) throws(JSONReadError) in try reader.readNftTable() }
            default: try reader.skipValue()
            }
        }
        return NetworkState(vxlan: vxlan, routes: routes, neighbors: neighbors, fdb: fdb, tables: tables)
    }

    mutating func readLinkFacts() throws(JSONReadError) -> LinkFacts {
        var underlay: String?
        var mtu: UInt32 = 1500
        var addresses: [InterfaceAddress] = []
        var onLinkNetworks: [IPv4Prefix] = []
        var lookups: [(IPv4Address, Bool)] = []
        try readObject { (reader: inout JSONTextReader, name: String) throws(JSONReadError) in
            let null = try reader.readNull()
            switch name {
            case "underlay":
                if null { throw reader.invalid("expected a string, found null") }
                underlay = try reader.readInterfaceName()
            case "mtu":
                mtu = null ? 1500 : try reader.readInteger(UInt32.self)
                if let refusal = LinkFacts.mtuRefusal(mtu) { throw reader.invalid(refusal) }
            case "addresses":
                addresses = null ? [] : try reader.readArray { (reader: inout JSONTextReader) throws(JSONReadError) in
                    try reader.readInterfaceAddress()
                }
            case "onLinkNetworks":
                onLinkNetworks = null ? [] : try reader.readArray { (reader: inout JSONTextReader) throws(JSONReadError) in
                    try reader.readPrefix()
                }
            case "routeLookups":
                lookups = null ? [] : try reader.readArray { (reader: inout JSONTextReader) throws(JSONReadError) in
                    try reader.readLookup()
                }
            default: if !null { try reader.skipValue() }
            }
        }
        guard let underlay else { throw missing("underlay") }
        return LinkFacts(
            underlay: underlay, mtu: mtu, addresses: addresses, onLinkNetworks: onLinkNetworks,
            routeLookups: Dictionary(lookups, uniquingKeysWith: { $1 })
        )
    }

    private mutating func readLookup() throws(JSONReadError) -> (IPv4Address, Bool) {
        var ip: IPv4Address?
        var onLink: Bool?
        try readObject { (reader: inout JSONTextReader, name: String) throws(JSONReadError) in
            switch name {
            case "ip": ip = try reader.readAddress()
            case "onLink": onLink = try reader.readBool()
            default: try reader.skipValue()
            }
        }
        guard let ip else { throw missing("ip") }
        guard let onLink else { throw missing("onLink") }
        return (ip, onLink)
    }

    mutating func readRoute() throws(JSONReadError) -> Route {
        var key: Route.Key?
        var type: RouteType?
        var gateway: IPv4Address?
        var device: String?
        var scope: RouteScope?
        var proto: RouteProtocol?
        var onLink: Bool?
        var preferredSource: IPv4Address?
        try readObject { (reader: inout JSONTextReader, name: String) throws(JSONReadError) in
            switch name {
            case "key": key = try reader.readRouteKey()
            case "type": type = try reader.readKernelEnum(RouteType.self)
            case "gateway": gateway = try reader.readNull() ? nil : try reader.readAddress()
            case "device": device = try reader.readNull() ? nil : try reader.readInterfaceName()
            case "scope": scope = try reader.readKernelEnum(RouteScope.self)
            case "proto": proto = try reader.readKernelEnum(RouteProtocol.self)
            case "onLink": onLink = try reader.readBool()
            case "preferredSource": preferredSource = try reader.readNull() ? nil : try reader.readAddress()
            default: try reader.skipValue()
            }
        }
        guard let key else { throw missing("key") }
        guard let type else { throw missing("type") }
        guard let scope else { throw missing("scope") }
        guard let proto else { throw missing("proto") }
        guard let onLink else { throw missing("onLink") }
        return Route(
            key: key, type: type, gateway: gateway, device: device, scope: scope, proto: proto, onLink: onLink,
            preferredSource: preferredSource
        )
    }

    private mutating func readRouteKey() throws(JSONReadError) -> Route.Key {
        var table: RouteTable?
        var destination: IPv4Prefix?
        var tos: UInt8?
        var metric: UInt32?
        try readObject { (reader: inout JSONTextReader, name: String) throws(JSONReadError) in
            switch name {
            case "table": table = try reader.readKernelEnum(RouteTable.self)
            case "destination": destination = try reader.readPrefix()
            case "tos": tos = try reader.readInteger(UInt8.self)
            case "metric": metric = try reader.readInteger(UInt32.self)
            default: try reader.skipValue()
            }
        }
        guard let table else { throw missing("table") }
        guard let destination else { throw missing("destination") }
        guard let tos else { throw missing("tos") }
        guard let metric else { throw missing("metric") }
        return Route.Key(table: table, destination: destination, tos: tos, metric: metric)
    }

    mutating func readNeighbor() throws(JSONReadError) -> Neighbor {
        var key: Neighbor.Key?
        var lladdr: MACAddress?
        var state: NeighborState?
        try readObject { (reader: inout JSONTextReader, name: String) throws(JSONReadError) in
            switch name {
            case "key":
                var device: String?
                var ip: IPv4Address?
                try reader.readObject { (reader: inout JSONTextReader, name: String) throws(JSONReadError) in
                    switch name {
                    case "device": device = try reader.readInterfaceName()
                    case "ip": ip = try reader.readAddress()
                    default: try reader.skipValue()
                    }
                }
                guard let device else { throw reader.missing("device") }
                guard let ip else { throw reader.missing("ip") }
                key = Neighbor.Key(device: device, ip: ip)
            case "lladdr": lladdr = try reader.readNull() ? nil : try reader.readMAC()
            case "state": state = try reader.readKernelEnum(NeighborState.self)
            default: try reader.skipValue()
            }
        }
        guard let key else { throw missing("key") }
        guard let state else { throw missing("state") }
        return Neighbor(key: key, lladdr: lladdr, state: state)
    }

    mutating func readFdbEntry() throws(JSONReadError) -> FdbEntry {
        var key: FdbEntry.Key?
        var destination: IPv4Address?
        var isSelf: Bool?
        var state: NeighborState?
        try readObject { (reader: inout JSONTextReader, name: String) throws(JSONReadError) in
            switch name {
            case "key":
                var device: String?
                var mac: MACAddress?
                try reader.readObject { (reader: inout JSONTextReader, name: String) throws(JSONReadError) in
                    switch name {
                    case "device": device = try reader.readInterfaceName()
                    case "mac": mac = try reader.readMAC()
                    default: try reader.skipValue()
                    }
                }
                guard let device else { throw reader.missing("device") }
                guard let mac else { throw reader.missing("mac") }
                key = FdbEntry.Key(device: device, mac: mac)
            case "destination": destination = try reader.readNull() ? nil : try reader.readAddress()
            case "isSelf": isSelf = try reader.readBool()
            case "state": state = try reader.readKernelEnum(NeighborState.self)
            default: try reader.skipValue()
            }
        }
        guard let key else { throw missing("key") }
        guard let isSelf else { throw missing("isSelf") }
        guard let state else { throw missing("state") }
        return FdbEntry(key: key, destination: destination, isSelf: isSelf, state: state)
    }

    mutating func readVxlanLink() throws(JSONReadError) -> VxlanLink {
        var name: String?
        var vni: UInt32?
        var local: IPv4Address?
        var underlay: String?
        var port: UInt16?
        var learning: Bool?
        var gbp: Bool?
        var mtu: UInt32?
        var mac: MACAddress?
        var up: Bool?
        var addresses: [InterfaceAddress]?
        try readObject { (reader: inout JSONTextReader, member: String) throws(JSONReadError) in
            switch member {
            case "name": name = try reader.readInterfaceName()
            case "vni": vni = try reader.readInteger(UInt32.self)
            case "local": local = try reader.readNull() ? nil : try reader.readAddress()
            case "underlay": underlay = try reader.readNull() ? nil : try reader.readInterfaceName()
            case "port": port = try reader.readInteger(UInt16.self)
            case "learning": learning = try reader.readBool()
            case "gbp": gbp = try reader.readBool()
            case "mtu": mtu = try reader.readInteger(UInt32.self)
            case "mac": mac = try reader.readNull() ? nil : try reader.readMAC()
            case "up": up = try reader.readBool()
            case "addresses":
                addresses = try reader.readArray { (reader: inout JSONTextReader) throws(JSONReadError) in
                    try reader.readInterfaceAddress()
                }
            default: try reader.skipValue()
            }
        }
        guard let name else { throw missing("name") }
        guard let vni else { throw missing("vni") }
        guard let port else { throw missing("port") }
        guard let learning else { throw missing("learning") }
        guard let gbp else { throw missing("gbp") }
        guard let mtu else { throw missing("mtu") }
        guard let up else { throw missing("up") }
        guard let addresses else { throw missing("addresses") }
        var link = VxlanLink(
            name: name, vni: vni, local: local, underlay: underlay, port: port, learning: learning, gbp: gbp, mtu: mtu,
            mac: mac, up: up
        )
        // As decoded before: in the file's order (the initialiser sorts).
        link.addresses = addresses
        return link
    }

    mutating func readNftTable() throws(JSONReadError) -> NftTable {
        var key: NftTable.Key?
        var comment: String?
        var chains: [NftChain]?
        try readObject { (reader: inout JSONTextReader, member: String) throws(JSONReadError) in
            switch member {
            case "key":
                var family: NftFamily?
                var name: String?
                try reader.readObject { (reader: inout JSONTextReader, member: String) throws(JSONReadError) in
                    switch member {
                    case "family": family = try reader.readKernelEnum(NftFamily.self)
                    case "name": name = try reader.readString()
                    default: try reader.skipValue()
                    }
                }
                guard let family else { throw reader.missing("family") }
                guard let name else { throw reader.missing("name") }
                key = NftTable.Key(family: family, name: name)
            case "comment": comment = try reader.readNull() ? nil : try reader.readString()
            case "chains":
                chains = try reader.readArray { (reader: inout JSONTextReader) throws(JSONReadError) in try reader.readNftChain() }
            default: try reader.skipValue()
            }
        }
        guard let key else { throw missing("key") }
        guard let chains else { throw missing("chains") }
        return NftTable(key: key, comment: comment, chains: chains)
    }

    private mutating func readNftChain() throws(JSONReadError) -> NftChain {
        var name: String?
        var comment: String?
        var hook: NftChain.Hook?
        var rules: [NftRule]?
        try readObject { (reader: inout JSONTextReader, member: String) throws(JSONReadError) in
            switch member {
            case "name": name = try reader.readString()
            case "comment": comment = try reader.readNull() ? nil : try reader.readString()
            case "hook": hook = try reader.readNull() ? nil : try reader.readNftHook()
            case "rules":
                rules = try reader.readArray { (reader: inout JSONTextReader) throws(JSONReadError) in try reader.readNftRule() }
            default: try reader.skipValue()
            }
        }
        guard let name else { throw missing("name") }
        guard let rules else { throw missing("rules") }
        return NftChain(name: name, comment: comment, hook: hook, rules: rules)
    }

    private mutating func readNftHook() throws(JSONReadError) -> NftChain.Hook {
        var type: String?
        var hook: String?
        var priority: Int32?
        var policyAccept: Bool?
        try readObject { (reader: inout JSONTextReader, member: String) throws(JSONReadError) in
            switch member {
            case "type": type = try reader.readString()
            case "hook": hook = try reader.readString()
            case "priority": priority = try reader.readInteger(Int32.self)
            case "policyAccept": policyAccept = try reader.readBool()
            default: try reader.skipValue()
            }
        }
        guard let type else { throw missing("type") }
        guard let hook else { throw missing("hook") }
        guard let priority else { throw missing("priority") }
        guard let policyAccept else { throw missing("policyAccept") }
        return NftChain.Hook(type: type, hook: hook, priority: priority, policyAccept: policyAccept)
    }

    private mutating func readNftRule() throws(JSONReadError) -> NftRule {
        var matches: [NftMatch]?
        var verdict: NftVerdict?
        var comment: String?
        try readObject { (reader: inout JSONTextReader, member: String) throws(JSONReadError) in
            switch member {
            case "matches":
                matches = try reader.readArray { (reader: inout JSONTextReader) throws(JSONReadError) in
                    NftMatch(parsing: try reader.readString())
                }
            case "verdict": verdict = NftVerdict(parsing: try reader.readString())
            case "comment": comment = try reader.readNull() ? nil : try reader.readString()
            default: try reader.skipValue()
            }
        }
        guard let matches else { throw missing("matches") }
        guard let verdict else { throw missing("verdict") }
        return NftRule(matches, verdict, comment: comment)
    }

    // MARK: Values stored as text

    /// A device name, refused unless the kernel would accept it: a snapshot is a file anyone
    /// can edit, and its names end up in plans and scripts.
    mutating func readInterfaceName() throws(JSONReadError) -> String {
        let text = try readString()
        if let refusal = InterfaceName.refusal(of: text) { throw invalid(refusal) }
        return text
    }

    /// `not an IPv4 address: 1.2.3`, as `TextCodable` refused it.
    mutating func readAddress() throws(JSONReadError) -> IPv4Address {
        let text = try readString()
        guard let value = IPv4Address(text) else { throw invalid("not an IPv4 address: \(text)") }
        return value
    }

    mutating func readPrefix() throws(JSONReadError) -> IPv4Prefix {
        let text = try readString()
        guard let value = IPv4Prefix(text) else { throw invalid("not an IPv4 prefix: \(text)") }
        return value
    }

    mutating func readInterfaceAddress() throws(JSONReadError) -> InterfaceAddress {
        let text = try readString()
        guard let value = InterfaceAddress(text) else { throw invalid("not an address/length: \(text)") }
        return value
    }

    mutating func readMAC() throws(JSONReadError) -> MACAddress {
        let text = try readString()
        guard let value = MACAddress(text) else { throw invalid("not a MAC address: \(text)") }
        return value
    }

    /// `unknown RouteProtocol: foo`, as `KernelEnum` refused it.
    mutating func readKernelEnum<Value: KernelEnum>(_: Value.Type) throws(JSONReadError) -> Value {
        let text = try readString()
        guard let value = Value(name: text) else { throw invalid("unknown \(Value.self): \(text)") }
        return value
    }
}
