import Foundation
import NetState
@testable import Planner
import Testing

/// `-o script` is run as root: every value it interpolates must reach its command as the one
/// word it is, whatever a snapshot or a flag called an interface.
@Suite struct PlanScriptQuotingTests {
    static let hostile = "a b;touch /tmp/x"

    @Test func safeWordsStayAsTheyWere() {
        for word in ["flannel.1", "eth0", "10.244.1.0/24", "0e:4c:8b:10:01:01", "flannel-ipv4", "ip", "8472"] {
            #expect(ShellWord.quote(word) == word)
        }
    }

    @Test func anythingElseIsSingleQuoted() {
        #expect(ShellWord.quote(Self.hostile) == "'a b;touch /tmp/x'")
        #expect(ShellWord.quote("eth0;reboot") == "'eth0;reboot'")
        #expect(ShellWord.quote("it's") == #"'it'\''s'"#)
        #expect(ShellWord.quote("") == "''")
        #expect(ShellWord.quote("$(id)") == "'$(id)'")
    }

    /// The words bash makes of `command`, run through `set --` with nothing executed but
    /// `printf`; also the status of `bash -n` on it.
    static func bashWords(_ command: String) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", "set -- \(command)\nprintf '%s\\0' \"$@\""]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return output.split(separator: 0, omittingEmptySubsequences: false).dropLast().map { String(decoding: $0, as: UTF8.self) }
    }

    static func syntaxCheck(_ script: String) throws -> Int32 {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("plan-script-\(UUID().uuidString).sh")
        try script.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-n", file.path]
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Every change kind that names a device, on a device with a hostile name.
    static var hostileChanges: [Change] {
        var link = PF.link()
        link.underlay = hostile
        let route = Route(key: PF.routeKey(2), gateway: .v4(PF.publicIP(2)), device: hostile)
        let neighbor = Neighbor(key: Neighbor.Key(device: hostile, ip: PF.subnet(2).address), lladdr: PF.mac(2))
        let fdb = FdbEntry(device: hostile, mac: PF.mac(2), destination: .v4(PF.publicIP(2)))
        let address = DeviceAddress(device: hostile, address: InterfaceAddress(address: PF.ownSubnet.address, length: 32))
        return [
            .createLink(link), .route(.create(route)), .route(.delete(route)), .neighbor(.create(neighbor)),
            .neighbor(.delete(neighbor)), .fdb(.create(fdb)), .fdb(.delete(fdb)), .address(.create(address)),
            .address(.delete(address)),
        ]
    }

    @Test func aHostileDeviceNameIsOneArgument() throws {
        for change in Self.hostileChanges {
            let commands = PlanScript.commands(for: change)
            let named = try #require(commands.first { $0.contains("touch") }, "\(change)")
            let words = try Self.bashWords(named)
            #expect(words.filter { $0 == Self.hostile }.count == 1, "\(named) → \(words)")
            #expect(!words.contains("b;touch"), "\(named)")
        }
        let route = Route(key: PF.routeKey(2), gateway: .v4(PF.publicIP(2)), device: Self.hostile)
        #expect(
            try Self.bashWords(PlanScript.commands(for: .route(.create(route)))[0])
                == ["ip", "route", "replace", "10.244.2.0/24", "via", "192.168.1.12", "dev", Self.hostile]
        )
    }

    @Test func theWholeScriptParses() throws {
        let plan = Plan(changes: Self.hostileChanges, fingerprint: "f", ownership: PF.ownership)
        let script = PlanScript.render(plan, header: "a header\nover two lines")
        #expect(try Self.syntaxCheck(script) == 0)
        // The change descriptions are comments; no command line holds the name unquoted.
        let commands = script.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(commands.count == 11)  // `set -euo pipefail` and ten commands
        #expect(commands.allSatisfy { !$0.contains("dev a b;touch") }, "\(script)")
    }

    /// A table whose text has a line equal to the here-document's usual delimiter: the
    /// delimiter changes, so the rest of the table stays nft input, never shell commands.
    @Test func tableTextCannotEndTheHereDocument() throws {
        var table = PF.table()
        table.comment = "x\nNFT\nNFT_1\ntouch /tmp/x\n"
        let commands = PlanScript.commands(for: .table(.create(table)))
        #expect(commands.first == "nft -f - <<'NFT_2'")
        #expect(commands.last == "NFT_2")
        #expect(commands.dropFirst().dropLast().joined(separator: "\n").split(separator: "\n").allSatisfy { $0 != "NFT_2" })
        // Run it with `nft` standing in as `cat`: the body arrives whole, nothing runs.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", "nft() { cat; }\nset -e\n" + commands.joined(separator: "\n") + "\n"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(output == commands.dropFirst().dropLast().joined(separator: "\n") + "\n")
    }

    @Test func aTableDeleteQuotesItsName() {
        var table = PF.table()
        table.key.name = "x;y"
        #expect(PlanScript.commands(for: .table(.delete(table))) == ["nft delete table ip 'x;y'"])
        #expect(PlanScript.commands(for: .table(.delete(PF.table()))) == ["nft delete table ip flannel-ipv4"])
    }
}
