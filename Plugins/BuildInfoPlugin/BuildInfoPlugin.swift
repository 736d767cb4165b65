import Foundation
import PackagePlugin

/// Writes the generated half of `BuildInfo` (version and commit) by running
/// `scripts/build-info swift FILE`, as a build command whose inputs are what a new commit, a
/// checkout or a new version changes: `VERSION`, the script, and git's `HEAD`, `logs/HEAD` and
/// `index` (found with `git rev-parse --git-path`, so a worktree's own files count).
///
/// Not a prebuild command: SwiftPM runs plugins, prebuild commands included, only when it
/// re-plans the build (a manifest or file-list change), so after a bare `git commit` the
/// binary kept the previous commit. A build command is checked by the build system on every
/// build and re-runs when an input changed; the script rewrites its file only when the text
/// changes, so a build that changes nothing recompiles nothing. Its executable is the system's
/// `/bin/sh`; without git, or outside a checkout, there are no git inputs and the commit is
/// `unknown`.
@main
struct BuildInfoPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let root = context.package.directoryURL
        let script = root.appending(path: "scripts/build-info")
        let output = context.pluginWorkDirectoryURL.appending(path: "BuildInfo+Generated.swift")
        let inputs = [root.appending(path: "VERSION"), script] + gitFiles(root, ["HEAD", "logs/HEAD", "index"])
        return [
            .buildCommand(
                displayName: "Recording the version and commit (scripts/build-info)",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: [script.path, "swift", output.path],
                inputFiles: inputs.filter { FileManager.default.fileExists(atPath: $0.path) },
                outputFiles: [output]
            ),
        ]
    }

    /// The absolute paths of `names` inside the repository's git directory; none without git.
    private func gitFiles(_ root: URL, _ names: [String]) -> [URL] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", root.path, "rev-parse", "--path-format=absolute"]
            + names.flatMap { ["--git-path", $0] }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return [] }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map { URL(fileURLWithPath: String($0)) }
    }
}
