extension NetworkState: CustomStringConvertible {
    /// Sections in iproute2 wording: `ip -d link`, `ip addr`, `ip route`, `ip neigh`,
    /// `bridge fdb`, `nft list table`.
    public var description: String { listing.string }

    /// The listing as UTF-8 bytes: `observe` writes them out without building a `String` of
    /// tens of thousands of lines first.
    public var listing: TextBuffer {
        Self.listing(
            links: links, routes: sortedRoutes, neighbors: sortedNeighbors, fdb: sortedFdb, tables: sortedTables,
            iptables: sortedIptables.map { IptablesListing(table: $0.table, layout: $0.layout) }
        )
    }

    /// The listing of objects already in key order. A caller holding arrays (a filtered
    /// observation) lists them without building a state's dictionaries first.
    public static func listing(
        links: [VxlanLink], routes: [Route], neighbors: [Neighbor], fdb: [FdbEntry], tables: [NftTable],
        iptables: [IptablesListing] = []
    ) -> TextBuffer {
        let count = links.reduce(0) { $0 + 1 + $1.addresses.count } + routes.count + neighbors.count + fdb.count
        // 64 bytes a line holds IPv4 objects; IPv6 ones take up to ~80. Sized once: a buffer
        // that outgrows its estimate is copied while both are alive (38 MB at 50,000 dual-stack
        // peers, when IPv6 lines were guessed at 64 bytes too).
        let ipv6 = routes.count { $0.family == .inet6 } + neighbors.count { $0.key.family == .inet6 }
            + fdb.count { $0.destination?.family == .inet6 }
        var text = TextBuffer(capacity: count * 64 + ipv6 * 32 + tables.count * 1024)
        func section<Object>(_ title: StaticString, _ objects: [Object], _ write: (Object, inout TextBuffer) -> Void) {
            guard !objects.isEmpty else { return }
            if !text.isEmpty { text.append("\n\n") }
            text.append("# ")
            text.append(title)
            for object in objects {
                text.append(ascii: UInt8(ascii: "\n"))
                write(object, &text)
            }
        }
        section("link", links) { $1.append($0.description) }
        section("addr", links.flatMap { link in link.addresses.map { (link.name, $0) } }) {
            $1.append($0.1.description)
            $1.append(" dev ")
            $1.append($0.0)
        }
        section("route", routes) { $0.append(to: &$1) }
        section("neigh", neighbors) { $0.append(to: &$1) }
        section("fdb", fdb) { $0.append(to: &$1) }
        section("nft", tables) { $1.append($0.description) }
        for listing in iptables where !listing.lines.isEmpty {
            if !text.isEmpty { text.append("\n\n") }
            text.append("# \(IptablesNames.program(listing.table)) -t ")
            text.append(IptablesNames.tableName(listing.table))
            for line in listing.lines {
                text.append(ascii: UInt8(ascii: "\n"))
                text.append(line)
            }
        }
        return text
    }
}
