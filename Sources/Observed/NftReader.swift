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

    /// One table, or nil when it does not exist: the table asked for by name, the chains of
    /// its family (the kernel cannot filter those by table), and only its own rules (the kernel
    /// walks only that table), so kube-proxy's thousands of rules in `ip nat` are never copied.
    public static func readTable(_ key: NftTable.Key) throws(NetlinkError) -> NftTable? {
        let socket = try NetlinkSocket.netfilter()
        defer { socket.close() }
        return try readTable(key, on: socket)
    }

    public static func readTable(
        _ key: NftTable.Key, on transport: some NetlinkTransport, maxAttempts: Int = 5
    ) throws(NetlinkError) -> NftTable? {
        try consistently(on: transport, maxAttempts: maxAttempts) { () throws(NetlinkError) in
            [try tableMessages(key, on: transport)]
        }.tables.first { $0.key == key }
    }

    /// The messages of one table; none when it does not exist.
    static func tableMessages(_ key: NftTable.Key, on transport: some NetlinkTransport) throws(NetlinkError) -> [NetlinkMessage] {
        let family = key.family.rawValue
        let asked = [(NftRequest.getTable(family: family, name: key.name), "NFT_MSG_GETTABLE \(key.family) \(key.name)")]
        guard let table = try objects(asked, on: transport).first, let found = table else { return [] }
        return found
            + (try transport.dump(NftRequest.dump(.chains, family: family), label: "NFT_MSG_GETCHAIN dump"))
            + (try transport.dump(
                NftRequest.dumpRules(family: family, table: key.name, chain: nil), label: "NFT_MSG_GETRULE dump \(key.family) \(key.name)"
            ))
    }

    /// Asks for objects by name (`NFT_MSG_GETTABLE`, `NFT_MSG_GETCHAIN`), in one exchange:
    /// per request its answer, or nil when the kernel says it does not exist (`ENOENT`).
    static func objects(
        _ requests: [(request: [UInt8], label: String)], on transport: some NetlinkTransport
    ) throws(NetlinkError) -> [[NetlinkMessage]?] {
        var answers: [[NetlinkMessage]?] = []
        for reply in try transport.transact(requests.map(\.request), labels: requests.map(\.label)) {
            switch reply {
            case let .success(answer): answers.append(answer)
            case let .failure(error) where error.code == .noSuchFileOrDirectory: answers.append(nil)
            case let .failure(error): throw error
            }
        }
        guard answers.count == requests.count else {
            throw NetlinkError(.request(requests.first?.label ?? "nf_tables request"), detail: "no reply")
        }
        return answers
    }

    /// flannel's nf_tables state in one consistent read: `table` whole and the `chains` of the
    /// shared tables, with the ruleset generation they were read at. A batch that names that
    /// generation (`NFNL_BATCH_GENID`) is refused by the kernel if anything changed since, so
    /// rules deleted by their observed handles can never be others' (a firewall reload that
    /// re-creates `ip nat` starts its handles again).
    public static func readFlannelState(
        table: NftTable.Key, chains: [NftTable.Key: [String]], on transport: some NetlinkTransport, maxAttempts: Int = 5
    ) throws(NetlinkError) -> (tables: [NftTable], generation: UInt32) {
        try readFlannelState(tables: [table], chains: chains, on: transport, maxAttempts: maxAttempts)
    }

    /// The same for several whole tables (`ip flannel-ipv4` and `ip6 flannel-ipv6`), all in
    /// the one generation bracket: each table's messages are a group of their own (a table
    /// read whole brings the chains of its whole family).
    public static func readFlannelState(
        tables: [NftTable.Key], chains: [NftTable.Key: [String]], on transport: some NetlinkTransport, maxAttempts: Int = 5
    ) throws(NetlinkError) -> (tables: [NftTable], generation: UInt32) {
        try consistently(on: transport, maxAttempts: maxAttempts) { () throws(NetlinkError) in
            var groups: [[NetlinkMessage]] = []
            for table in tables { groups.append(try tableMessages(table, on: transport)) }
            groups.append(try chainMessages(chains, on: transport))
            return groups
        }
    }

    public static func readFlannelState(
        table: NftTable.Key, chains: [NftTable.Key: [String]]
    ) throws(NetlinkError) -> (tables: [NftTable], generation: UInt32) {
        try readFlannelState(tables: [table], chains: chains)
    }

    public static func readFlannelState(
        tables: [NftTable.Key], chains: [NftTable.Key: [String]]
    ) throws(NetlinkError) -> (tables: [NftTable], generation: UInt32) {
        let socket = try NetlinkSocket.netfilter()
        defer { socket.close() }
        return try readFlannelState(tables: tables, chains: chains, on: socket)
    }

    /// Runs `read` between two reads of the generation until they agree, and decodes each
    /// group of messages on its own (a table read whole brings the chains of its whole family,
    /// which must not be joined to a table another group read chain by chain).
    static func consistently(
        on transport: some NetlinkTransport, maxAttempts: Int, _ read: () throws(NetlinkError) -> [[NetlinkMessage]]
    ) throws(NetlinkError) -> (tables: [NftTable], generation: UInt32) {
        for _ in 0..<max(1, maxAttempts) {
            let before = try generation(on: transport)
            let groups = try read()
            let after = try generation(on: transport)
            if before == after {
                var tables: [NftTable] = []
                for group in groups { tables += try NftDecoder.decode(group) }
                return (tables, after)
            }
        }
        throw NetlinkError(
            .request("nf_tables dump"), errno: Errno.interrupted.rawValue, detail: "ruleset changed during \(maxAttempts) reads in a row"
        )
    }

    /// The same over any transport (a fake one in tests).
    public static func readTables(
        family: NftFamily?, on transport: some NetlinkTransport, maxAttempts: Int = 5
    ) throws(NetlinkError) -> [NftTable] {
        let familyNumber = family?.rawValue
        return try consistently(on: transport, maxAttempts: maxAttempts) { () throws(NetlinkError) in
            [try transport.dump(NftRequest.dump(.tables, family: familyNumber), label: "NFT_MSG_GETTABLE dump")
                + (try transport.dump(NftRequest.dump(.chains, family: familyNumber), label: "NFT_MSG_GETCHAIN dump"))
                + (try transport.dump(NftRequest.dump(.rules, family: familyNumber), label: "NFT_MSG_GETRULE dump"))]
        }.tables
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
        try consistently(on: transport, maxAttempts: maxAttempts) { () throws(NetlinkError) in
            [try chainMessages(wanted, on: transport)]
        }.tables
    }

    /// The messages of the named chains (and their tables): one request per table and per
    /// chain, answered each with the object or ENOENT, then each present chain's rules.
    static func chainMessages(_ wanted: [NftTable.Key: [String]], on transport: some NetlinkTransport) throws(NetlinkError) -> [NetlinkMessage] {
        var requests: [(request: [UInt8], label: String)] = []
        var asked: [(key: NftTable.Key, chain: String?)] = []
        for key in wanted.keys.sorted() {
            requests.append((NftRequest.getTable(family: key.family.rawValue, name: key.name), "NFT_MSG_GETTABLE \(key.family) \(key.name)"))
            asked.append((key, nil))
            for chain in wanted[key] ?? [] {
                requests.append((
                    NftRequest.getChain(family: key.family.rawValue, table: key.name, name: chain),
                    "NFT_MSG_GETCHAIN \(key.family) \(key.name) \(chain)"
                ))
                asked.append((key, chain))
            }
        }
        var messages: [NetlinkMessage] = []
        for (index, answer) in try objects(requests, on: transport).enumerated() {
            guard let answer else { continue }
            messages += answer
            guard let chain = asked[index].chain else { continue }
            let key = asked[index].key
            messages += try transport.dump(
                NftRequest.dumpRules(family: key.family.rawValue, table: key.name, chain: chain),
                label: "NFT_MSG_GETRULE dump \(key.family) \(key.name) \(chain)"
            )
        }
        return messages
    }

    /// The ruleset generation id: it changes with every committed transaction.
    static func generation(on transport: some NetlinkTransport) throws(NetlinkError) -> UInt32 {
        let replies = try transport.transact([NftRequest.getGeneration()], labels: ["NFT_MSG_GETGEN"])
        guard let first = replies.first else { throw NetlinkError(.request("NFT_MSG_GETGEN"), detail: "no reply") }
        if let id = try NftRequest.generationID(in: try first.get()) { return id }
        throw NetlinkError(.request("NFT_MSG_GETGEN"), detail: "no NFTA_GEN_ID in the reply")
    }
}
