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
        console.write(PlanOutput.render(context.plan, desired: context.desired, format: output))
        if let out {
            try PlanOutput.save(context.plan, desired: context.desired, to: out)
        }
        if !context.desired.skipped.isEmpty {
            console.error(context.desired.skippedReport)
            return 1
        }
        return detailedExitcode && !context.plan.isEmpty ? 2 : 0
    }
}

enum PlanOutput {
    static func render(_ plan: Plan, desired: DesiredNode, format: PlanCommand.Format) -> String {
        switch format {
        case .text: PlanText.render(plan, header: "netplan-flannel plan for \(desired.headline)")
        case .script: PlanScript.render(plan, header: "netplan-flannel plan for \(desired.headline)")
        case .json: JSONOutput.render(PlanDocument(plan, desired: desired))
        }
    }

    static func save(_ plan: Plan, desired: DesiredNode, to path: String) throws {
        let text = JSONOutput.render(PlanDocument(plan, desired: desired))
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw CommandFailure(message: "\(path): cannot write the plan: \(error.localizedDescription)")
        }
    }
}
