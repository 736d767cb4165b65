import Foundation
import Testing

/// Keeps DESIGN.md's target table ("may import", `../shared/DESIGN.md`, section Architecture)
/// true of the code: every `import` line of `Sources/<Target>/**/*.swift` must name a module
/// that target's row allows. This table is that column, in one place; change both together.
///
/// - Standard library only means no Foundation and no libc either.
/// - `Glibc`/`Darwin`/`Foundation` are allowed only where the code needs libc: Netlink (the
///   seam), InputFiles (it reads the input files), the lease sources, the agent, the commands
///   and the fuzzer.
/// - Targets not (yet) in `Sources/` are skipped, so the table can name them ahead.
enum ImportRules {
    static let libc: Set<String> = ["Glibc", "Darwin", "Foundation"]
    static let leaseTransports: Set<String> = ["AsyncHTTPClient", "Logging", "NIOCore", "NIOSSL", "NIOHTTPCompression"]
    static let commandPackages: Set<String> = [
        "ArgumentParser", "Logging", "Prometheus", "NIOCore", "NIOPosix", "NIOHTTP1",
    ]
    static let core: Set<String> = [
        "NetState", "JSONLexing", "InputFiles", "Desired", "Planner", "StateJSON", "Netlink", "Observed", "Apply",
        "LeaseSources",
    ]

    static let allowed: [String: Set<String>] = [
        "NetState": [],
        "JSONLexing": [],
        // The version and commit of the build (generated half written by Plugins/BuildInfoPlugin).
        "BuildInfo": [],
        // CYaml: Yams' C module, used directly by YAMLPreScan (alias detection before parsing).
        "Desired": ["NetState", "JSONLexing", "Yams", "CYaml"],
        "Planner": ["NetState"],
        "StateJSON": ["NetState", "Planner", "JSONLexing"],
        "Netlink": libc.union(["CMnl", "CNftnl"]),
        "Observed": ["NetState", "Netlink"],
        "Apply": ["NetState", "Planner", "Netlink"],
        "InputFiles": libc,
        "LeaseSources": libc.union(leaseTransports).union(["Desired", "InputFiles"]),
        "Reconcile": core.union(["BuildInfo"]).union(leaseTransports).union(commandPackages).union(libc),
        "NetplanCLI": core.union(["Reconcile", "BuildInfo"]).union(leaseTransports).union(commandPackages).union(libc),
        "netplan-flannel": libc.union(["NetplanCLI"]),
        // The lease sources' readers (kubeconfig, etcd watch messages) are parsers too.
        "netplan-fuzz": libc.union(["Desired", "StateJSON", "Netlink", "Observed", "Planner", "NetState", "LeaseSources", "InputFiles"]),
    ]

    /// Imports the code has that DESIGN.md's row does not list, each with why it is tolerated
    /// for now. Empty it as the code catches up; never add a C module of the seam here.
    static let tolerated: [String: Set<String>] = [
        // Desired reads its inputs through InputFiles (regular file or stdin, size caps) and
        // decodes etcd's base64 values with Foundation (LeaseReader+Etcd.swift).
        "Desired": ["InputFiles", "Foundation"],
    ]
}

@Suite struct ImportRulesTests {
    static let sources = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources")

    @Test func everyTargetImportsOnlyWhatItsRowAllows() throws {
        let targets = try FileManager.default.contentsOfDirectory(atPath: Self.sources.path)
        var violations: [String] = []
        for target in targets.sorted() where !["CMnl", "CNftnl"].contains(target) {
            guard let allowed = ImportRules.allowed[target] else {
                violations.append("Sources/\(target): not in the table (add its DESIGN.md row)")
                continue
            }
            let permitted = allowed.union(ImportRules.tolerated[target] ?? [])
            for (file, module) in try imports(of: target) where !permitted.contains(module) {
                violations.append("\(file): import \(module)")
            }
        }
        #expect(violations.isEmpty, "imports DESIGN.md's target table does not allow:\n\(violations.joined(separator: "\n"))")
    }

    @Test func theScanSeesImports() throws {
        let found = try imports(of: "Netlink").map(\.module)
        #expect(found.contains("CNftnl") && found.contains("CMnl"))
    }

    /// `(file, module)` for every import line of the target's Swift files, attributes
    /// (`@testable`, `@_exported`) and kinds (`import struct Foo.Bar`) included.
    private func imports(of target: String) throws -> [(file: String, module: String)] {
        let root = Self.sources.appendingPathComponent(target)
        guard let walker = FileManager.default.enumerator(atPath: root.path) else { return [] }
        var found: [(String, String)] = []
        let kinds: Set<Substring> = ["struct", "class", "enum", "protocol", "typealias", "func", "var", "let"]
        let paths = walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }.sorted()
        for path in paths {
            let text = try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
            for line in text.split(separator: "\n") {
                var words = line.split(separator: " ").filter { !$0.isEmpty }
                while let first = words.first, first.hasPrefix("@") { words.removeFirst() }
                guard words.first == "import", words.count >= 2 else { continue }
                let name = kinds.contains(words[1]) && words.count >= 3 ? words[2] : words[1]
                let module = name.split(separator: ".").first.map(String.init) ?? String(name)
                found.append(("Sources/\(target)/\(path)", module))
            }
        }
        return found
    }
}
