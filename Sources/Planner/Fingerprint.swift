import NetState

/// A short, stable digest of observed state: FNV-1a over each object's fields, taken in key
/// order. It only has to notice change, not resist forgery, so it needs no crypto dependency;
/// and it must be the same in every process, which rules out the seeded `Hasher`.
public enum Fingerprint {
    public static func of(_ state: NetworkState) -> String {
        var hash = FNV1a()
        if let link = state.vxlan {
            hash.text(link.description)
            for address in link.addresses { hash.words(address.address.value, UInt32(address.length)) }
        }
        hash.words(0xFFFF_FFFF)
        for route in state.sortedRoutes {
            hash.words(
                route.key.table.rawValue, route.key.destination.address.value, UInt32(route.key.destination.length),
                UInt32(route.key.tos), route.key.metric, UInt32(route.type.rawValue), UInt32(route.scope.rawValue),
                UInt32(route.proto.rawValue), route.gateway?.value ?? 0, route.onLink ? 1 : 0,
                route.preferredSource?.value ?? 0
            )
            hash.text(route.device ?? "")
        }
        hash.words(0xFFFF_FFFE)
        for neighbor in state.sortedNeighbors {
            hash.text(neighbor.key.device)
            hash.words(neighbor.key.ip.value, UInt32(neighbor.state.rawValue))
            hash.long(neighbor.lladdr?.value ?? UInt64.max)
        }
        hash.words(0xFFFF_FFFD)
        for entry in state.sortedFdb {
            hash.text(entry.key.device)
            hash.long(entry.key.mac.value)
            hash.words(entry.destination?.value ?? 0, UInt32(entry.state.rawValue), entry.isSelf ? 1 : 0)
        }
        hash.words(0xFFFF_FFFC)
        for table in state.sortedTables { hash.text(table.description) }
        let hex = String(hash.value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// 64-bit FNV-1a over the little-endian bytes of what is mixed in.
struct FNV1a {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func byte(_ byte: UInt8) {
        value ^= UInt64(byte)
        value = value &* 0x0000_0100_0000_01b3
    }

    mutating func long(_ word: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { byte(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
    }

    mutating func words(_ words: UInt32...) {
        for word in words {
            for shift in stride(from: 0, to: 32, by: 8) { byte(UInt8(truncatingIfNeeded: word >> UInt32(shift))) }
        }
    }

    /// Text, then a terminator, so `"ab" + "c"` and `"a" + "bc"` differ.
    mutating func text(_ text: String) {
        for unit in text.utf8 { byte(unit) }
        byte(0)
    }
}
