import BuildInfo
import Foundation
import Testing

/// The generated half of `BuildInfo` (Plugins/BuildInfoPlugin running scripts/build-info before
/// the build) holds the repository's version and a commit of this repository.
@Suite struct BuildInfoTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func theVersionIsTheVersionFile() throws {
        let file = try String(contentsOf: Self.root.appendingPathComponent("VERSION"), encoding: .utf8)
        #expect(BuildInfo.version == file.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(BuildInfo.version.first?.isNumber == true, "\(BuildInfo.version)")
    }

    @Test func theVersionLineNamesVersionAndCommit() {
        #expect(BuildInfo.versionLine == "netplan-flannel \(BuildInfo.version) (commit \(BuildInfo.commit))")
    }

    /// In a git checkout (CI's clone, a developer's tree) the commit is 12 hex digits naming a
    /// commit of this repository, `-dirty` when tracked files differed at build time. Not
    /// compared with HEAD: a commit made after the build would fail `swift test --skip-build`.
    @Test(.enabled(if: Self.isCheckout, "not a git checkout")) func theCommitIsACommitOfThisRepository() throws {
        let hash = BuildInfo.commit.hasSuffix("-dirty") ? String(BuildInfo.commit.dropLast(6)) : BuildInfo.commit
        #expect(hash.count == 12 && hash.allSatisfy(\.isHexDigit), "\(BuildInfo.commit)")
        #expect(Self.git(["cat-file", "-e", "\(hash)^{commit}"]) == 0, "\(hash) is not a commit of \(Self.root.path)")
    }

    static var isCheckout: Bool { git(["rev-parse", "--git-dir"]) == 0 }

    static func git(_ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", root.path] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
