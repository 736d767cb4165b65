import Desired
import StateJSON

/// The parsers under test: everything that reads bytes an operator or a cluster hands the tool.
/// Errors thrown are the expected outcome for most inputs; only crashes, hangs and memory
/// blow-ups fail the run.
enum FuzzTargets {
    static let all: [(name: String, run: @Sendable ([UInt8]) -> Bool)] = [
        ("net-conf", { bytes in (try? NetConfReader.parse(bytes, source: "fuzz")) != nil }),
        ("leases", { bytes in (try? LeaseReader.parse(bytes, source: "fuzz")) != nil }),
        ("snapshot", { bytes in (try? Snapshot.decode(bytes, path: "fuzz")) != nil }),
        ("plan", { bytes in (try? PlanFile.decode(bytes)) != nil }),
        ("subnet.env", { bytes in (try? SubnetEnvReader.parse(bytes, source: "fuzz")) != nil }),
    ]
}
