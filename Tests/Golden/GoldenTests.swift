import BuildInfo
import Foundation
import NetplanCLI
import Testing

/// Every case in `Cases/`: each command's output (stdout, or stderr and the exit code when it
/// fails) must equal its golden file byte for byte.
@Suite struct GoldenTests {
    @Test(arguments: GoldenCase.all)
    func outputsMatchGoldenFiles(_ golden: GoldenCase) async throws {
        let commands = try golden.commands()
        #expect(!commands.isEmpty, "case \(golden.name) has no commands")
        for command in commands {
            let console = Console(passthrough: false)
            let status = await CLI.main(arguments: command.arguments, console: console)
            var text = console.output
            if status != 0 || !console.errors.isEmpty {
                text += console.errors + "exit \(status)\n"
            }
            GoldenFile.check(golden.normalize(text), against: golden.directory.appendingPathComponent(command.output))
        }
    }

    /// The binary runs every command but `reconcile` through `mainSynchronously`: it must print
    /// and exit exactly as `main` does, case by case.
    @Test(arguments: GoldenCase.all)
    func synchronousEntryMatchesMain(_ golden: GoldenCase) async throws {
        for command in try golden.commands() {
            let viaMain = Console(passthrough: false)
            let mainStatus = await CLI.main(arguments: command.arguments, console: viaMain)
            let direct = Console(passthrough: false)
            let directStatus = CLI.mainSynchronously(arguments: command.arguments, console: direct)
            #expect(directStatus == mainStatus, "\(golden.name): \(command.arguments)")
            #expect(direct.output == viaMain.output, "\(golden.name): \(command.arguments)")
            #expect(direct.errors == viaMain.errors, "\(golden.name): \(command.arguments)")
        }
    }

    @Test func reconcileIsLeftToTheAsynchronousEntry() {
        let console = Console(passthrough: false)
        #expect(CLI.mainSynchronously(arguments: ["reconcile", "--help"], console: console) == 0, "help is not the agent")
        #expect(CLI.mainSynchronously(arguments: ["reconcile", "--net-conf", "/nonexistent"], console: console) == nil)
        #expect(console.errors.isEmpty)
    }

    /// `--version`, the contract's last line: the version line on stdout, exit 0, through both
    /// entries (the binary takes the synchronous one).
    @Test func versionPrintsTheBuild() async {
        let viaMain = Console(passthrough: false)
        #expect(await CLI.main(arguments: ["--version"], console: viaMain) == 0)
        #expect(viaMain.output == "netplan-flannel \(BuildInfo.version) (commit \(BuildInfo.commit))\n")
        #expect(viaMain.errors.isEmpty)
        let direct = Console(passthrough: false)
        #expect(CLI.mainSynchronously(arguments: ["--version"], console: direct) == 0)
        #expect(direct.output == viaMain.output)
    }

    @Test func recordingIsNeverOnInCI() {
        let environment = ProcessInfo.processInfo.environment
        #expect(!(environment["CI"] != nil && environment["UPDATE_GOLDEN"] == "1"))
    }

    @Test func thereAreCases() {
        #expect(GoldenCase.all.count >= 8)
    }
}
