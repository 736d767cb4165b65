import Foundation

/// A deterministic mutation fuzzer for the input parsers (net-conf JSON and YAML, the three
/// lease formats, snapshots, plan files), run by CI for a bounded time after the tests.
///
/// libFuzzer works with this toolchain (`swiftc -sanitize=fuzzer`), but an instrumented build is
/// a second build of the parsers and their dependencies in CI; this target is built by `swift build --build-tests` with
/// everything else and needs nothing more. It fails (non-zero exit) on a crash, on one input
/// taking longer than `--timeout` seconds, or on the process growing past `--max-rss-mb`, and
/// writes the offending input to `--out`.
///
///     swift build && .build/debug/netplan-fuzz --seconds 600 --seed 7
struct Options {
    var seconds = 60.0
    var seed: UInt64 = 1
    var timeout = 2.0
    var maxResidentMiB = 1024
    var corpus = "Tests/Golden/Cases"
    var out = ".build/fuzz"
    /// `crash` or `hang`: make the first input fail that way, to check that the run then fails.
    var selfTest: String?
    /// Files to run once each through every parser, timed (to reproduce what a run wrote out).
    var replay: [String] = []

    init(_ arguments: [String]) {
        var words = arguments.makeIterator()
        while let word = words.next() {
            let value = words.next() ?? ""
            switch word {
            case "--seconds": seconds = Double(value) ?? seconds
            case "--seed": seed = UInt64(value) ?? seed
            case "--timeout": timeout = Double(value) ?? timeout
            case "--max-rss-mb": maxResidentMiB = Int(value) ?? maxResidentMiB
            case "--corpus": corpus = value
            case "--out": out = value
            case "--self-test": selfTest = value
            case "--replay": replay.append(value)
            default:
                FileHandle.standardError.write(Data("usage: netplan-fuzz [--seconds S] [--seed N] [--timeout S] [--max-rss-mb M] [--corpus DIR] [--out DIR] [--self-test crash|hang] [--replay FILE]...\n".utf8))
                exit(64)
            }
        }
    }
}

/// Counts of one run, for the closing line.
struct FuzzRun {
    var inputs = 0
    var accepted = [Int](repeating: 0, count: FuzzTargets.all.count)
    var seconds = [Double](repeating: 0, count: FuzzTargets.all.count)
    var bytes = 0
    var slowest = (seconds: 0.0, target: "", size: 0)
    var slowestInput: [UInt8] = []

    mutating func run(_ bytes: [UInt8]) {
        for (index, target) in FuzzTargets.all.enumerated() {
            Watchdog.begin(bytes, label: target.name)
            let ok = target.run(bytes)
            let elapsed = Watchdog.end()
            if ok { accepted[index] += 1 }
            seconds[index] += elapsed
            if elapsed > slowest.seconds {
                slowest = (elapsed, target.name, bytes.count)
                slowestInput = bytes
            }
        }
        inputs += 1
        self.bytes += bytes.count
    }
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
for path in options.replay {
    let bytes = FileManager.default.contents(atPath: path).map(Array.init) ?? []
    for target in FuzzTargets.all {
        let begin = Watchdog.now()
        let ok = target.run(bytes)
        print("\(path): \(target.name): \(ok ? "accepted" : "refused") in " + String(format: "%.3f s", Double(Watchdog.now() - begin) / 1e9))
    }
}
if !options.replay.isEmpty { exit(0) }

let seeds = FuzzSeeds.load(corpus: options.corpus)
Watchdog.start(directory: options.out, limit: options.timeout, maximumResident: options.maxResidentMiB << 20)

var mutator = Mutator(random: FuzzRandom(seed: options.seed))
var counts = FuzzRun()
let start = Watchdog.now()
let budget = UInt64(options.seconds * 1e9)

switch options.selfTest {
case "crash":
    Watchdog.begin(Array("self-test".utf8), label: "self-test")
    let index = Int(CommandLine.arguments.count) + 100
    _ = [0][index]  // out of range: the trap a parser bug would hit
case "hang":
    Watchdog.begin(Array("self-test".utf8), label: "self-test")
    Thread.sleep(forTimeInterval: options.timeout + 5)
default:
    break
}

// Every seed as it is, then mutations of random seeds until the time is up.
for seed in seeds { counts.run(seed) }
while Watchdog.now() - start < budget {
    let base = seeds[mutator.random.below(seeds.count)]
    let other = seeds[mutator.random.below(seeds.count)]
    counts.run(mutator.mutate(base, other: other))
}

let elapsed = Double(Watchdog.now() - start) / 1e9
// Kept for a look at what costs most (a near-quadratic parser shows up here first).
_ = FileManager.default.createFile(atPath: options.out + "/slowest-input", contents: Data(counts.slowestInput))
let parsed = FuzzTargets.all.indices.map { index in
    "\(FuzzTargets.all[index].name) \(counts.accepted[index]) (" + String(format: "%.1f s", counts.seconds[index]) + ")"
}.joined(separator: ", ")
print(
    "netplan-fuzz: \(counts.inputs) inputs (\(seeds.count) seeds, seed \(options.seed), \(counts.bytes / max(counts.inputs, 1)) bytes on average) through \(FuzzTargets.all.count) parsers in "
        + String(format: "%.1f s", elapsed) + "; accepted (time): \(parsed); slowest: "
        + String(format: "%.3f s", counts.slowest.seconds) + " (\(counts.slowest.target), \(counts.slowest.size) bytes)"
        + "; no crash, hang or blow-up"
)
