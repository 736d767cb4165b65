import NetState
import Netlink

/// Reads nf_tables tables from the live kernel: dumps tables, chains and rules and decodes them
/// with `NftDecoder`.
///
/// The three dumps are separate kernel walks, so a change between them (flannel or iptables
/// reloading) could pair new chains with old rules. The ruleset generation id (`NFT_MSG_GETGEN`)
/// is read before and after; if it moved, the read is repeated.
public enum NftReader {
    /// Tables of one family (`nil`: every family) from the current network namespace.
    public static func readTables(family: NftFamily? = nil) throws(NetlinkError) -> [NftTable] {
        let socket = try NetlinkSocket.netfilter()
        defer { socket.close() }
        return try readTables(family: family, on: socket)
    }

    /// One table, or nil when it does not exist.
    public static func readTable(_ key: NftTable.Key) throws(NetlinkError) -> NftTable? {
        try readTables(family: key.family).first { $0.key == key }
    }

    /// The same over any transport (a fake one in tests).
    public static func readTables(
        family: NftFamily?, on transport: some NetlinkTransport, maxAttempts: Int = 5
    ) throws(NetlinkError) -> [NftTable] {
        let familyNumber = family?.rawValue
        for _ in 0..<max(1, maxAttempts) {
            let before = try generation(on: transport)
            var messages: [NetlinkMessage] = []
            messages += try transport.dump(NftRequest.dump(.tables, family: familyNumber), label: "NFT_MSG_GETTABLE dump")
            messages += try transport.dump(NftRequest.dump(.chains, family: familyNumber), label: "NFT_MSG_GETCHAIN dump")
            messages += try transport.dump(NftRequest.dump(.rules, family: familyNumber), label: "NFT_MSG_GETRULE dump")
            let after = try generation(on: transport)
            if before == after {
                return try NftDecoder.decode(messages)
            }
        }
        throw NetlinkError(
            .request("nf_tables dump"), errno: Errno.interrupted.rawValue, detail: "ruleset changed during \(maxAttempts) reads in a row"
        )
    }

    /// The chains `chains` names of the tables it names (tables and chains that do not exist
    /// are left out), with only those chains' rules read: flannel's part of the shared
    /// iptables-nft tables, without kube-proxy's thousands of service rules beside it.
    public static func readChains(_ chains: [NftTable.Key: [String]]) throws(NetlinkError) -> [NftTable] {
        let socket = try NetlinkSocket.netfilter()
        defer { socket.close() }
        return try readChains(chains, on: socket)
    }

    public static func readChains(
        _ wanted: [NftTable.Key: [String]], on transport: some NetlinkTransport, maxAttempts: Int = 5
    ) throws(NetlinkError) -> [NftTable] {
        let families = Set(wanted.keys.map(\.family.rawValue))
        for _ in 0..<max(1, maxAttempts) {
            let before = try generation(on: transport)
            var messages: [NetlinkMessage] = []
            var present: [NftTable] = []
            for family in families.sorted() {
                var listing: [NetlinkMessage] = []
                listing += try transport.dump(NftRequest.dump(.tables, family: family), label: "NFT_MSG_GETTABLE dump")
                listing += try transport.dump(NftRequest.dump(.chains, family: family), label: "NFT_MSG_GETCHAIN dump")
                present += try NftDecoder.decode(listing)
                messages += listing
            }
            for table in present {
                guard let names = wanted[table.key] else { continue }
                for chain in table.chains where names.contains(chain.name) {
                    messages += try transport.dump(
                        NftRequest.dumpRules(family: table.key.family.rawValue, table: table.key.name, chain: chain.name),
                        label: "NFT_MSG_GETRULE dump \(table.key.family) \(table.key.name) \(chain.name)"
                    )
                }
            }
            let after = try generation(on: transport)
            if before == after {
                return try NftDecoder.decode(messages).compactMap { table in
                    guard let names = wanted[table.key] else { return nil }
                    var kept = table
                    kept.chains = table.chains.filter { names.contains($0.name) }
                    return kept
                }
            }
        }
        throw NetlinkError(
            .request("nf_tables dump"), errno: Errno.interrupted.rawValue, detail: "ruleset changed during \(maxAttempts) reads in a row"
        )
    }

    /// The ruleset generation id: it changes with every committed transaction.
    static func generation(on transport: some NetlinkTransport) throws(NetlinkError) -> UInt32 {
        let replies = try transport.transact([NftRequest.getGeneration()], labels: ["NFT_MSG_GETGEN"])
        guard let first = replies.first else { throw NetlinkError(.request("NFT_MSG_GETGEN"), detail: "no reply") }
        if let id = try NftRequest.generationID(in: try first.get()) { return id }
        throw NetlinkError(.request("NFT_MSG_GETGEN"), detail: "no NFTA_GEN_ID in the reply")
    }
}
