extension NetworkState: CustomStringConvertible {
    /// Sections in iproute2 wording: `ip -d link`, `ip addr`, `ip route`, `ip neigh`,
    /// `bridge fdb`, `nft list table`.
    public var description: String {
        var text = ""
        text.reserveCapacity(objectCount * 64)
        func section<Object>(_ title: String, _ objects: [Object], _ write: (Object, inout String) -> Void) {
            guard !objects.isEmpty else { return }
            if !text.isEmpty { text.append("\n\n") }
            text.append("# " + title)
            for object in objects {
                text.append("\n")
                write(object, &text)
            }
        }
        if let vxlan {
            section("link", [vxlan]) { $1.append($0.description) }
            section("addr", vxlan.addresses) { $1.append("\($0) dev \(vxlan.name)") }
        }
        section("route", sortedRoutes) { $0.append(to: &$1) }
        section("neigh", sortedNeighbors) { $0.append(to: &$1) }
        section("fdb", sortedFdb) { $0.append(to: &$1) }
        section("nft", sortedTables) { $1.append($0.description) }
        return text
    }
}
