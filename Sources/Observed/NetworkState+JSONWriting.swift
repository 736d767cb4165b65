import NetState

/// The JSON of the model, written member by member in sorted key order: the same bytes
/// `JSONEncoder` printed from the model's `Codable` conformances (optionals left out when nil,
/// kernel enums by name, addresses and matches as text). `SnapshotJSONTests` holds the two
/// side by side.
extension JSONTextWriter {
    /// A `Snapshot`: `facts`, `state`, `version`.
    public mutating func write(_ snapshot: Snapshot) {
        beginObject()
        key("facts")
        write(snapshot.facts)
        key("state")
        write(snapshot.state)
        key("version")
        integer(snapshot.version)
        endObject()
    }

    public mutating func write(_ state: NetworkState) {
        beginObject()
        key("fdb")
        beginArray()
        for entry in state.sortedFdb {
            element()
            write(entry)
        }
        endArray()
        key("neighbors")
        beginArray()
        for neighbor in state.sortedNeighbors {
            element()
            write(neighbor)
        }
        endArray()
        key("routes")
        beginArray()
        for route in state.sortedRoutes {
            element()
            write(route)
        }
        endArray()
        key("tables")
        beginArray()
        for table in state.sortedTables {
            element()
            write(table)
        }
        endArray()
        if let vxlan = state.vxlan {
            key("vxlan")
            write(vxlan)
        }
        endObject()
    }

    public mutating func write(_ facts: LinkFacts) {
        beginObject()
        key("addresses")
        beginArray()
        for address in facts.addresses {
            element()
            interfaceAddress(address)
        }
        endArray()
        key("mtu")
        integer(facts.mtu)
        key("onLinkNetworks")
        beginArray()
        for network in facts.onLinkNetworks {
            element()
            prefix(network)
        }
        endArray()
        key("routeLookups")
        beginArray()
        for (ip, onLink) in facts.routeLookups.sorted(by: { $0.key < $1.key }) {
            element()
            beginObject()
            key("ip")
            address(ip)
            key("onLink")
            bool(onLink)
            endObject()
        }
        endArray()
        key("underlay")
        string(facts.underlay)
        endObject()
    }

    public mutating func write(_ route: Route) {
        beginObject()
        if let device = route.device {
            key("device")
            string(device)
        }
        if let gateway = route.gateway {
            key("gateway")
            address(gateway)
        }
        key("key")
        beginObject()
        key("destination")
        prefix(route.key.destination)
        key("metric")
        integer(route.key.metric)
        key("table")
        string(route.key.table.description)
        key("tos")
        integer(route.key.tos)
        endObject()
        key("onLink")
        bool(route.onLink)
        if let preferredSource = route.preferredSource {
            key("preferredSource")
            address(preferredSource)
        }
        key("proto")
        string(route.proto.description)
        key("scope")
        string(route.scope.description)
        key("type")
        string(route.type.description)
        endObject()
    }

    public mutating func write(_ neighbor: Neighbor) {
        beginObject()
        key("key")
        beginObject()
        key("device")
        string(neighbor.key.device)
        key("ip")
        address(neighbor.key.ip)
        endObject()
        if let lladdr = neighbor.lladdr {
            key("lladdr")
            mac(lladdr)
        }
        key("state")
        string(neighbor.state.description)
        endObject()
    }

    public mutating func write(_ entry: FdbEntry) {
        beginObject()
        if let destination = entry.destination {
            key("destination")
            address(destination)
        }
        key("isSelf")
        bool(entry.isSelf)
        key("key")
        beginObject()
        key("device")
        string(entry.key.device)
        key("mac")
        mac(entry.key.mac)
        endObject()
        key("state")
        string(entry.state.description)
        endObject()
    }

    public mutating func write(_ link: VxlanLink) {
        beginObject()
        key("addresses")
        beginArray()
        for address in link.addresses {
            element()
            interfaceAddress(address)
        }
        endArray()
        key("gbp")
        bool(link.gbp)
        key("learning")
        bool(link.learning)
        if let local = link.local {
            key("local")
            address(local)
        }
        if let mac = link.mac {
            key("mac")
            self.mac(mac)
        }
        key("mtu")
        integer(link.mtu)
        key("name")
        string(link.name)
        key("port")
        integer(link.port)
        if let underlay = link.underlay {
            key("underlay")
            string(underlay)
        }
        key("up")
        bool(link.up)
        key("vni")
        integer(link.vni)
        endObject()
    }

    public mutating func write(_ table: NftTable) {
        beginObject()
        key("chains")
        beginArray()
        for chain in table.chains {
            element()
            write(chain)
        }
        endArray()
        if let comment = table.comment {
            key("comment")
            string(comment)
        }
        key("key")
        beginObject()
        key("family")
        string(table.key.family.description)
        key("name")
        string(table.key.name)
        endObject()
        endObject()
    }

    public mutating func write(_ chain: NftChain) {
        beginObject()
        if let comment = chain.comment {
            key("comment")
            string(comment)
        }
        if let hook = chain.hook {
            key("hook")
            beginObject()
            key("hook")
            string(hook.hook)
            key("policyAccept")
            bool(hook.policyAccept)
            key("priority")
            integer(hook.priority)
            key("type")
            string(hook.type)
            endObject()
        }
        key("name")
        string(chain.name)
        key("rules")
        beginArray()
        for rule in chain.rules {
            element()
            write(rule)
        }
        endArray()
        endObject()
    }

    public mutating func write(_ rule: NftRule) {
        beginObject()
        if let comment = rule.comment {
            key("comment")
            string(comment)
        }
        key("matches")
        beginArray()
        for match in rule.matches {
            element()
            string(match.description)
        }
        endArray()
        key("verdict")
        string(rule.verdict.description)
        endObject()
    }
}
