import NetState

/// A short, stable digest of observed state: FNV-1a over the canonical text of each object,
/// taken in key order. It only has to notice change, not resist forgery, and it keeps the
/// planner free of a crypto dependency.
public enum Fingerprint {
    public static func of(_ state: NetworkState) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ text: String) {
            for byte in text.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01b3
            }
            hash ^= 0x0a
            hash = hash &* 0x0000_0100_0000_01b3
        }
        if let link = state.vxlan {
            mix(link.description)
            link.addresses.forEach { mix($0.description) }
        }
        state.sortedRoutes.forEach { mix($0.description + " table \($0.key.table) type \($0.type)") }
        state.sortedNeighbors.forEach { mix($0.description) }
        state.sortedFdb.forEach { mix($0.description) }
        state.sortedTables.forEach { mix($0.description) }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
