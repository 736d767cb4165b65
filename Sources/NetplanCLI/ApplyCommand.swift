import Apply
import ArgumentParser
import Foundation
import Netlink
import Planner
import StateJSON

struct ApplyCommand: SynchronousCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Make this node match its leases: apply the plan, in order, make before break.",
        discussion: """
            With --plan FILE, applies the plan saved by `plan --out FILE` exactly as it was reviewed: \
            the plan is computed again from the same inputs against the live kernel, and applied only \
            if the saved changes are identical; otherwise nothing is changed. Give it the same inputs \
            as the plan. Peers with a problem of their own are skipped (exit 1), the others applied. \
            A failure stops at the failed change and says what was applied, what failed and why, and \
            what was not attempted.
            """
    )

    @OptionGroup var inputs: InputOptions

    @Flag(name: .customLong("dry-run"), help: "Print the plan exactly as `plan` does and change nothing.")
    var dryRun = false

    @Option(name: .customLong("plan"), help: "Apply a plan saved with `plan --out FILE`, refusing it if it is stale.")
    var planFile: String?

    func executeSynchronously(_ console: Console) throws -> Int32 {
        if !dryRun {
            // Before anything is read or sent: a clear refusal beats a half-read kernel.
            do {
                try Applier.checkPrivileges()
            } catch {
                throw CommandFailure(message: "apply needs CAP_NET_ADMIN to change the kernel (run as root): \(error)")
            }
        }
        let context = try NodeContext.make(inputs, snapshot: nil)
        // Whatever else happened, peers left out are reported last and make the run an error.
        let skipped = context.desired.skippedReport
        func finish(_ status: Int32) -> Int32 {
            guard !skipped.isEmpty else { return status }
            console.error(skipped)
            return 1
        }
        if dryRun {
            console.write(PlanOutput.render(context.plan, desired: context.desired, sources: context.sources, format: .text))
            return finish(0)
        }
        // What is applied is always the plan computed here; a saved one only has to equal it.
        let plan = context.plan
        if let planFile {
            try PlanVerification.verify(try PlanDocument.load(path: planFile), against: plan, path: planFile)
        }
        let header = "netplan-flannel apply for \(context.headline)\n" + context.sources.map { "# \($0)\n" }.joined() + "\n"
        guard !plan.isEmpty else {
            console.write(header + "No changes. The kernel matches the desired state.\n")
            return finish(0)
        }
        let socket = try NetlinkSocket.routing()
        defer { socket.close() }
        let report = Applier().apply(
            plan, using: socket, tables: KernelNftApplier(), deviceConf: KernelDeviceConf(), nftGeneration: context.nftGeneration
        )
        console.write(header + ApplyText.render(report, plan: plan))
        return finish(report.isComplete ? 0 : 1)
    }
}

/// What apply did, in the plan's wording.
enum ApplyText {
    static func render(_ report: ApplyReport, plan: Plan) -> String {
        var lines: [String] = []
        for change in report.applied { lines.append(change.description) }
        for change in report.alreadyConverged { lines.append("\(change.description) (already so)") }
        if let failure = report.failure {
            lines += ["", "FAILED: \(failure.change.description)", "  \(failure.error)"]
            if !report.appliedAfterFailure.isEmpty {
                lines += ["", "Applied after the failure (already sent in the same batch):"]
                lines += report.appliedAfterFailure.map { "  \($0)" }
            }
            for later in report.failedAfterFailure {
                lines += ["Also failed: \(later.change.description)", "  \(later.error)"]
            }
            if !report.notAttempted.isEmpty {
                lines += ["", "Not attempted:"]
                lines += report.notAttempted.map { "  \($0)" }
            }
        }
        if !report.unsupported.isEmpty {
            lines += ["", "Not applied (no way to apply these here):"]
            lines += report.unsupported.map { "  \($0)" }
        }
        let done = Plan(
            changes: report.applied + report.alreadyConverged + report.appliedAfterFailure,
            fingerprint: plan.fingerprint, ownership: plan.ownership
        ).summary
        lines.append("")
        if report.isComplete {
            lines.append("Apply complete: \(done.add) added, \(done.change) changed, \(done.destroy) destroyed.")
        } else {
            let attempted = report.applied.count + report.alreadyConverged.count + report.appliedAfterFailure.count
            lines.append(
                "Apply failed: \(attempted) of \(plan.changes.count) changes applied; run plan to see what remains."
            )
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
