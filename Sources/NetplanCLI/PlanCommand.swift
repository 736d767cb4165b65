import ArgumentParser
import Desired
import Foundation
import NetState
import Planner
import StateJSON

struct PlanCommand: SynchronousCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show the minimal, ordered changes that make this node match its leases. Changes nothing."
    )

    enum Format: String, OutputFormat { case text, json, script }

    @OptionGroup var inputs: InputOptions

    @Option(name: .customLong("observed"), help: "Plan against a saved snapshot (observe --snapshot-out) instead of the live kernel; needs no root.")
    var observed: String?

    @Option(name: .shortAndLong, help: Format.help)
    var output: Format = .text

    @Option(name: .customLong("out"), help: "Also save the plan to FILE for `apply --plan FILE`.")
    var out: String?

    @Flag(name: .customLong("detailed-exitcode"), help: "Exit 0 when there are no changes, 2 when there are, 1 on error.")
    var detailedExitcode = false

    func executeSynchronously(_ console: Console) throws -> Int32 {
        let context = try NodeContext.make(inputs, snapshot: observed)
        console.write(PlanOutput.render(context.plan, desired: context.desired, sources: context.sources, format: output))
        if let out {
            try PlanOutput.save(context.plan, desired: context.desired, sources: context.sources, to: out)
        }
        if !context.desired.skipped.isEmpty {
            console.error(context.desired.skippedReport)
            return 1
        }
        return detailedExitcode && !context.plan.isEmpty ? 2 : 0
    }
}

enum PlanOutput {
    /// - Parameter sources: where each input came from (`ClusterInputs.sources`), one header
    ///   line each.
    static func render(_ plan: Plan, desired: DesiredNode, sources: [String], format: PlanCommand.Format) -> String {
        let title = "netplan-flannel plan for \(desired.headline)"
        switch format {
        case .text: return PlanText.render(plan, header: ([title] + sources.map { "# \($0)" }).joined(separator: "\n"))
        case .script: return PlanScript.render(plan, header: ([title] + sources).joined(separator: "\n"))
        case .json: return JSONOutput.render(PlanDocument(plan, desired: desired, sources: sources))
        }
    }

    static func save(_ plan: Plan, desired: DesiredNode, sources: [String], to path: String) throws {
        let text = JSONOutput.render(PlanDocument(plan, desired: desired, sources: sources))
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw CommandFailure(message: "\(path): cannot write the plan: \(error.localizedDescription)")
        }
    }
}
