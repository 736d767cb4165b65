import CMnl
import CNftnl
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
        let socket = try NetlinkSocket(protocol: NETLINK_NETFILTER)
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
        let familyNumber = family?.rawValue ?? UInt8(NFPROTO_UNSPEC)
        for _ in 0..<max(1, maxAttempts) {
            let before = try generation(on: transport)
            var messages: [NetlinkMessage] = []
            messages += try transport.dump(NftRequest.dump(NFT_MSG_GETTABLE, family: familyNumber), label: "NFT_MSG_GETTABLE dump")
            messages += try transport.dump(NftRequest.dump(NFT_MSG_GETCHAIN, family: familyNumber), label: "NFT_MSG_GETCHAIN dump")
            messages += try transport.dump(NftRequest.dump(NFT_MSG_GETRULE, family: familyNumber), label: "NFT_MSG_GETRULE dump")
            let after = try generation(on: transport)
            if before == after {
                return try NftDecoder.decode(messages)
            }
        }
        throw NetlinkError(
            .request("nf_tables dump"), errno: EINTR, detail: "ruleset changed during \(maxAttempts) reads in a row"
        )
    }

    /// The ruleset generation id: it changes with every committed transaction.
    static func generation(on transport: some NetlinkTransport) throws(NetlinkError) -> UInt32 {
        let replies = try transport.transact([NftRequest.getGeneration()], labels: ["NFT_MSG_GETGEN"])
        guard let first = replies.first else { throw NetlinkError(.request("NFT_MSG_GETGEN"), detail: "no reply") }
        let messages = try first.get()
        for message in messages where message.type == NftDecoder.subsystem | UInt16(NFT_MSG_NEWGEN.rawValue) {
            guard message.payload.count >= 4 else { continue }
            for attribute in try NetlinkAttribute.parse(message.payload, from: 4, baseOffset: NetlinkMessage.headerLength)
            where attribute.type == UInt16(NFTA_GEN_ID.rawValue) {
                if let id = attribute.bigEndianUInt32 { return id }
            }
        }
        throw NetlinkError(.request("NFT_MSG_GETGEN"), detail: "no NFTA_GEN_ID in the reply")
    }
}
