import Foundation
import PackagePlugin

/// Writes the generated half of `BuildInfo` (version and commit) before every build by running
/// `scripts/build-info swift FILE`.
///
/// A prebuild command, not a build command: a build command runs only when its declared inputs
/// change, and the commit changes without any file SwiftPM could be told about (a checkout, a
/// commit, a worktree's HEAD living elsewhere). A prebuild command runs every time; the script
/// rewrites the file only when its text changes, so an unchanged checkout recompiles nothing.
/// Its executable is the system's `/bin/sh` (a prebuild command cannot run a tool built from
/// source), the script is POSIX sh, and without git or outside a checkout the commit is `unknown`.
@main
struct BuildInfoPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let script = context.package.directoryURL.appending(path: "scripts/build-info")
        let outputs = context.pluginWorkDirectoryURL.appending(path: "generated")
        return [
            .prebuildCommand(
                displayName: "Recording the version and commit (scripts/build-info)",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: [script.path, "swift", outputs.appending(path: "BuildInfo+Generated.swift").path],
                outputFilesDirectory: outputs
            ),
        ]
    }
}
