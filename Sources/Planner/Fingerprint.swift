import NetState

/// A short, stable digest of observed state. It only has to notice change, not resist forgery,
/// so it needs no crypto dependency; and it must be the same in every process, which rules out
/// the seeded `Hasher`.
///
/// Each object is hashed on its own (`ObjectHash`), and a kind's hashes are added up with
/// wrapping addition, which does not care about order: no sort of 50,000 routes, and the planner
/// can fold objects in while it walks the tables (`FingerprintDigest`) instead of building the
/// relevant state first.
public enum Fingerprint {
    public static func of(_ state: NetworkState) -> String {
        var digest = FingerprintDigest()
        digest.add(link: state.vxlan)
        digest.add(link6: state.vxlan6)
        for route in state.routes.values { digest.add(route) }
        for neighbor in state.neighbors.values { digest.add(neighbor) }
        for entry in state.fdb.values { digest.add(entry) }
        for table in state.tables.values where !IptablesNames.tables.contains(table.key) { digest.add(table) }
        // A shared iptables-nft table counts by flannel's part of it, as the planner sees it.
        for key in IptablesNames.tables {
            if let table = state.tables[key] { digest.add(Ownership.iptablesListing(of: table)) }
            // (an iptables-nft table with nothing of flannel's in it adds nothing)
        }
        return digest.text
    }
}

/// The order-independent accumulator behind `Fingerprint.of`: per kind, the count of objects
/// and the wrapping sum of their hashes. A state's digest is the same whatever order its objects
/// are added in, and adding each object of a state exactly once gives `Fingerprint.of(state)`.
struct FingerprintDigest {
    private var link: UInt64?
    private var link6: UInt64?
    private var routes = Sum()
    private var neighbors = Sum()
    private var fdb = Sum()
    private var tables = Sum()

    /// One kind's objects: the count is kept apart so a missing object cannot be mistaken for
    /// one whose hash happens to be zero.
    private struct Sum {
        var count: UInt64 = 0
        var total: UInt64 = 0
        mutating func add(_ hash: UInt64) {
            count &+= 1
            total &+= hash
        }
    }

    mutating func add(link: VxlanLink?) {
        guard let link else { return }
        self.link = Self.hash(link)
    }

    mutating func add(link6: VxlanLink?) {
        guard let link6 else { return }
        self.link6 = Self.hash(link6)
    }

    private static func hash(_ link: VxlanLink) -> UInt64 {
        var hash = ObjectHash(kind: 1)
        hash.text(link.description)
        hash.word(UInt64(link.addresses.count))
        for address in link.addresses {
            if case let .v4(ip) = address.address {
                hash.word(UInt64(ip.value) << 8 | UInt64(address.length))
            } else {
                hash.address(address.address)
                hash.word(UInt64(address.length))
            }
        }
        return hash.value
    }

    /// An IPv4 route's words are what they were before IPv6 existed (fingerprints in saved
    /// plans stay valid); an IPv6 route is its own kind with its addresses' halves added.
    mutating func add(_ route: Route) {
        let key = route.key
        var hash = ObjectHash(kind: key.family == .inet ? 2 : 7)
        if key.family == .inet6 {
            hash.address(key.destination.address)
            hash.address(route.gateway)
            hash.address(route.preferredSource)
        }
        hash.word(UInt64(key.table.rawValue) << 32 | UInt64(key.destination.address.ipv4?.value ?? 0))
        hash.word(UInt64(key.metric) << 32 | UInt64(route.gateway?.ipv4?.value ?? 0))
        hash.word(UInt64(route.preferredSource?.ipv4?.value ?? 0) << 32
            | UInt64(key.destination.length) << 24 | UInt64(key.tos) << 16
            | UInt64(route.type.rawValue) << 8 | UInt64(route.scope.rawValue))
        // Presence bits: a missing gateway and 0.0.0.0 differ, as do no device and "".
        hash.word(UInt64(route.proto.rawValue) << 8 | (route.onLink ? 1 : 0)
            | (route.gateway == nil ? 0 : 2) | (route.preferredSource == nil ? 0 : 4) | (route.device == nil ? 0 : 8))
        hash.text(route.device ?? "")
        routes.add(hash.value)
    }

    mutating func add(_ neighbor: Neighbor) {
        var hash = ObjectHash(kind: neighbor.key.family == .inet ? 3 : 8)
        if neighbor.key.family == .inet6 { hash.address(neighbor.key.ip) }
        hash.word(UInt64(neighbor.key.ip.ipv4?.value ?? 0) << 16 | UInt64(neighbor.state.rawValue))
        // A MAC is 48 bits: UInt64.max stands for "no lladdr" and cannot be one.
        hash.word(neighbor.lladdr?.value ?? UInt64.max)
        hash.text(neighbor.key.device)
        neighbors.add(hash.value)
    }

    mutating func add(_ entry: FdbEntry) {
        var hash = ObjectHash(kind: entry.destination?.family == .inet6 ? 9 : 4)
        if entry.destination?.family == .inet6 { hash.address(entry.destination) }
        hash.word(entry.key.mac.value)
        hash.word(UInt64(entry.destination?.ipv4?.value ?? 0) << 32 | UInt64(entry.state.rawValue) << 8
            | (entry.isSelf ? 1 : 0) | (entry.destination == nil ? 0 : 2))
        hash.text(entry.key.device)
        fdb.add(hash.value)
    }

    mutating func add(_ table: NftTable) {
        var hash = ObjectHash(kind: 5)
        hash.text(table.description)
        tables.add(hash.value)
    }

    /// flannel's part of a shared iptables-nft table: its rules in order (order matters there).
    mutating func add(_ listing: IptablesListing) {
        guard !listing.chains.isEmpty || !listing.rules.isEmpty else { return }
        var hash = ObjectHash(kind: 6)
        hash.text("\(listing.table.family) \(listing.table.name)")
        for line in listing.lines { hash.text(line) }
        tables.add(hash.value)
    }

    /// Sixteen lowercase hex digits.
    var text: String {
        var hash = ObjectHash(kind: 0)
        hash.word(link == nil ? 0 : 1)
        hash.word(link ?? 0)
        // Only a node with the IPv6 device adds it: IPv4 fingerprints stay what they were.
        if let link6 { hash.word(link6) }
        hash.word(routes.count)
        hash.word(routes.total)
        hash.word(neighbors.count)
        hash.word(neighbors.total)
        hash.word(fdb.count)
        hash.word(fdb.total)
        hash.word(tables.count)
        hash.word(tables.total)
        let hex = String(hash.value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// A 64-bit hash of a sequence of words: each word is xored in, then the state goes through
/// splitmix64's finaliser, a bijection that spreads every input bit over all output bits. Sums of
/// such hashes are therefore well mixed too. Fixed constants, so the same in every process.
struct ObjectHash {
    private var state: UInt64

    init(kind: UInt64) { state = Self.mix(kind &+ 0x9e37_79b9_7f4a_7c15) }

    @inline(__always)
    static func mix(_ input: UInt64) -> UInt64 {
        var x = input
        x = (x ^ (x >> 30)) &* 0xbf58_476d_1ce4_e5b9
        x = (x ^ (x >> 27)) &* 0x94d0_49bb_1331_11eb
        return x ^ (x >> 31)
    }

    @inline(__always)
    mutating func word(_ word: UInt64) {
        state = Self.mix(state ^ word) &+ 0x9e37_79b9_7f4a_7c15
    }

    /// The text's UTF-8 bytes eight at a time (little-endian), then its length, so `"ab" + "c"`
    /// and `"a" + "bc"` differ.
    mutating func text(_ text: String) {
        var chunk: UInt64 = 0
        var filled: UInt64 = 0
        var count: UInt64 = 0
        for unit in text.utf8 {
            chunk |= UInt64(unit) << (filled &* 8)
            filled &+= 1
            count &+= 1
            if filled == 8 {
                word(chunk)
                chunk = 0
                filled = 0
            }
        }
        if filled > 0 { word(chunk) }
        word(count)
    }

    /// An address as words: an IPv4 one as its 32 bits, an IPv6 one as its two halves; an
    /// absent one as a word no address gives.
    mutating func address(_ address: IPAddress?) {
        switch address {
        case let .v4(ip): word(UInt64(ip.value))
        case let .v6(ip):
            word(ip.high)
            word(ip.low)
        case nil: word(UInt64.max)
        }
    }

    var value: UInt64 { Self.mix(state) }
}
