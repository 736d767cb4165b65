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

    @Test func recordingIsNeverOnInCI() {
        let environment = ProcessInfo.processInfo.environment
        #expect(!(environment["CI"] != nil && environment["UPDATE_GOLDEN"] == "1"))
    }

    @Test func thereAreCases() {
        #expect(GoldenCase.all.count >= 8)
    }
}
