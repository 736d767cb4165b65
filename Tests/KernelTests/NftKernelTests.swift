import TestSupport
import Apply
import Glibc
import NetState
import Netlink
import Testing

/// The encoder and transport against a real kernel, in throwaway namespaces: what we install
/// must list, in nft's own words, exactly as the model's `description` says.
@Suite(.enabled(if: NftTestNamespace.isRoot, "needs root for network namespaces and nf_tables"))
struct NftKernelTests {
    func listing(_ namespace: NftTestNamespace, _ key: NftTable.Key = NftTable.flannelKey) throws -> String {
        let result = try namespace.exec(["nft", "list", "table", key.family.description, key.name])
        return result.status == 0 ? result.output : "nft failed: \(result.error)"
    }

    @Test func replaceInstallsTheTableAsNftListsIt() throws {
        let table = FlannelTableFixture.table()
        try NftTestNamespace.with { namespace in
            let batch = try NftEncoder.replace(table)
            try NetworkNamespace.run(in: namespace.name) { try NftTransaction.execute(batch) }
            #expect(try listing(namespace) == table.description + "\n")
        }
    }

    @Test func replaceOverAnExistingTableSwapsItInOneTransaction() throws {
        let old = FlannelTableFixture.table()
        let new = FlannelTableFixture.table(lease: IPv4Prefix(address: IPv4Address(10, 244, 7, 0), length: 24))
        try NftTestNamespace.with { namespace in
            // A foreign table next to ours must survive untouched.
            let foreign = "table ip other {\n\tchain c {\n\t\tip saddr 1.2.3.4 drop\n\t}\n}\n"
            #expect(try namespace.exec(["nft", "-f", "-"], input: foreign).status == 0)
            try NetworkNamespace.run(in: namespace.name) { try NftTransaction.execute(try NftEncoder.replace(old)) }
            #expect(try listing(namespace) == old.description + "\n")
            // Add a stray rule by hand: a replace must remove it too.
            #expect(try namespace.exec(["nft", "add", "rule", "ip", "flannel-ipv4", "forward", "counter", "drop"]).status == 0)
            try NetworkNamespace.run(in: namespace.name) { try NftTransaction.execute(try NftEncoder.replace(new)) }
            #expect(try listing(namespace) == new.description + "\n")
            #expect(try listing(namespace, NftTable.Key(family: .ip, name: "other")) == foreign)
            // Replacing with the same table again is a no-op in effect.
            try NetworkNamespace.run(in: namespace.name) { try NftTransaction.execute(try NftEncoder.replace(new)) }
            #expect(try listing(namespace) == new.description + "\n")
        }
    }

    @Test func deleteRemovesTheTableAndToleratesItsAbsence() throws {
        try NftTestNamespace.with { namespace in
            let delete = try NftEncoder.delete(NftTable.flannelKey)
            try NetworkNamespace.run(in: namespace.name) { try NftTransaction.execute(delete) }
            try NetworkNamespace.run(in: namespace.name) {
                try NftTransaction.execute(try NftEncoder.replace(FlannelTableFixture.table()))
                try NftTransaction.execute(delete)
            }
            let tables = try namespace.exec(["nft", "list", "tables"])
            #expect(tables.status == 0)
            #expect(tables.output == "")
        }
    }

    /// A refused message aborts the whole transaction: the old table stays exactly as it was,
    /// and the error names the message, with the kernel's errno.
    @Test func aRefusedChainLeavesTheOldTableAndNamesTheMessage() throws {
        let good = FlannelTableFixture.table()
        var bad = good
        bad.chains[1].hook = .init(type: "nat", hook: "forward", priority: 0)  // nat has no forward hook
        try NftTestNamespace.with { namespace in
            try NetworkNamespace.run(in: namespace.name) { try NftTransaction.execute(try NftEncoder.replace(good)) }
            let error = try NetworkNamespace.run(in: namespace.name) { () throws -> NetlinkError? in
                do {
                    try NftTransaction.execute(try NftEncoder.replace(bad))
                    return nil
                } catch let error as NetlinkError {
                    return error
                }
            }
            let refused = try #require(error)
            #expect(refused.operation == .request("NFT_MSG_NEWCHAIN ip flannel-ipv4 chain forward"))
            #expect(refused.errno == EOPNOTSUPP)
            #expect(refused.sequence != nil)
            #expect(try listing(namespace) == good.description + "\n")
        }
    }

    @Test func checkValidatesWithoutCommitting() throws {
        var bad = FlannelTableFixture.table()
        bad.chains[0].hook = .init(type: "nat", hook: "forward", priority: 100)
        try NftTestNamespace.with { namespace in
            let (valid, invalid) = try NetworkNamespace.run(in: namespace.name) { () throws -> (NftTransaction.Failure?, NftTransaction.Failure?) in
                let socket = try NftTransaction.openSocket()
                defer { socket.close() }
                return (
                    try NftTransaction.run(try NftEncoder.check(FlannelTableFixture.table()), on: socket),
                    try NftTransaction.run(try NftEncoder.check(bad), on: socket)
                )
            }
            #expect(valid == nil)
            #expect(invalid?.first.operation == .request("NFT_MSG_NEWCHAIN ip flannel-ipv4 chain postrtg"))
            #expect(invalid?.messageIndex == 3)
            #expect(try namespace.exec(["nft", "list", "tables"]).output == "")
        }
    }
}
