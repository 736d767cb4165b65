import Foundation

/// A deterministic mutation fuzzer for the input parsers (net-conf JSON and YAML, the three
/// lease formats, snapshots, plan files, the Kubernetes API's watch lines and list pages,
/// kubeconfigs, etcd watch messages, IPv6 text against glibc), run by CI for a bounded time
/// after the tests.
///
/// The time is shared fairly: after every seed has gone through every target, each mutated
/// input goes to the target that has used the least time so far, so a slow target (the
/// kubeconfig one writes a file and checks TLS material) gets its share without starving the
/// fast ones, and each gets about `--seconds / targets`.
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
    /// Only the targets whose names contain one of these (all when empty).
    var targets: [String] = []

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
            case "--target": targets.append(value)
            default:
                FileHandle.standardError.write(Data("usage: netplan-fuzz [--seconds S] [--seed N] [--timeout S] [--max-rss-mb M] [--corpus DIR] [--out DIR] [--self-test crash|hang] [--replay FILE]... [--target NAME-PART]...\n".utf8))
                exit(64)
            }
        }
    }
}

/// Counts of one run, for the closing line.
struct FuzzRun {
    var inputs = 0
    var runs: [Int]
    var accepted: [Int]
    /// Time by target, its mutations included in the mutation phase.
    var seconds: [Double]
    /// Of `seconds`, the time spent making inputs rather than parsing them.
    var overhead: [Double]
    var bytes = 0
    var slowest = (seconds: 0.0, target: "", size: 0)
    var slowestInput: [UInt8] = []

    init(targets: Int) {
        runs = [Int](repeating: 0, count: targets)
        accepted = runs
        seconds = [Double](repeating: 0, count: targets)
        overhead = seconds
    }

    /// Runs `bytes` through the targets at `indices` of `targets`.
    mutating func run(_ bytes: [UInt8], through indices: some Sequence<Int>, of targets: [FuzzTarget]) {
        for index in indices {
            let target = targets[index]
            FuzzCheck.current = index
            Watchdog.begin(bytes, label: target.name)
            let ok = target.run(bytes)
            let elapsed = Watchdog.end()
            runs[index] += 1
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
let targets = FuzzTargets.all.filter { target in options.targets.isEmpty || options.targets.contains { target.name.contains($0) } }
if targets.isEmpty {
    FileHandle.standardError.write(Data("netplan-fuzz: no target matches \(options.targets); there are \(FuzzTargets.all.map(\.name))\n".utf8))
    exit(64)
}
FuzzCheck.directory = options.out
FuzzCheck.longestRefusal = [Int](repeating: 0, count: targets.count)
FuzzKube.scratch = options.out + "/kubeconfig"
try? FileManager.default.createDirectory(atPath: FuzzKube.scratch, withIntermediateDirectories: true)
for path in options.replay {
    let bytes = FileManager.default.contents(atPath: path).map(Array.init) ?? []
    for target in targets {
        let begin = Watchdog.now()
        Watchdog.begin(bytes, label: target.name)
        let ok = target.run(bytes)
        print("\(path): \(target.name): \(ok ? "accepted" : "refused") in " + String(format: "%.3f s", Double(Watchdog.now() - begin) / 1e9))
    }
}
if !options.replay.isEmpty {
    try? FileManager.default.removeItem(atPath: FuzzKube.scratch)
    exit(0)
}

// The shared corpus holds every target's own seeds too: splices across formats (a node in a
// kubeconfig, a net-conf in a watch line) are hostile inputs as well.
let seeds = FuzzSeeds.load(corpus: options.corpus) + FuzzTargets.all.flatMap(\.seeds)
Watchdog.start(directory: options.out, limit: options.timeout, maximumResident: options.maxResidentMiB << 20)

var mutator = Mutator(random: FuzzRandom(seed: options.seed))
var counts = FuzzRun(targets: targets.count)
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

// Every seed as it is through every target, then mutations until the time is up, each to the
// target that has had the least time: its own seeds three times in four (when it has some), the
// shared corpus otherwise; the splice partner from either.
for seed in seeds { counts.run(seed, through: targets.indices, of: targets) }
while Watchdog.now() - start < budget {
    let index = counts.seconds.indices.min { counts.seconds[$0] < counts.seconds[$1] } ?? 0
    let own = targets[index].seeds
    let pick = { (mutator: inout Mutator, ownShare: Int) -> [UInt8] in
        !own.isEmpty && mutator.random.below(4) < ownShare ? own[mutator.random.below(own.count)] : seeds[mutator.random.below(seeds.count)]
    }
    let began = Watchdog.now()
    let base = pick(&mutator, 3)
    let other = pick(&mutator, 2)
    let input = mutator.mutate(base, other: other)
    // The mutation and the copy into the watchdog's buffer are charged to the target too, so
    // a fast target is not handed most of the inputs and with them most of that overhead.
    let ran = counts.seconds[index]
    counts.run(input, through: CollectionOfOne(index), of: targets)
    counts.overhead[index] += Double(Watchdog.now() - began) / 1e9 - (counts.seconds[index] - ran)
    counts.seconds[index] = ran + Double(Watchdog.now() - began) / 1e9
}
try? FileManager.default.removeItem(atPath: FuzzKube.scratch)

let elapsed = Double(Watchdog.now() - start) / 1e9
// Kept for a look at what costs most (a near-quadratic parser shows up here first).
_ = FileManager.default.createFile(atPath: options.out + "/slowest-input", contents: Data(counts.slowestInput))
let parsed = targets.indices.map { index in
    "\(targets[index].name) \(counts.accepted[index])/\(counts.runs[index]) ("
        + String(format: "%.1f s of which %.1f s making inputs, %.0f/s", counts.seconds[index], counts.overhead[index], Double(counts.runs[index]) / max(counts.seconds[index], 1e-9))
        + (FuzzCheck.longestRefusal[index] > 0 ? ", longest refusal \(FuzzCheck.longestRefusal[index]) B" : "") + ")"
}.joined(separator: ", ")
print(
    "netplan-fuzz: \(counts.inputs) inputs (\(seeds.count) seeds, seed \(options.seed), \(counts.bytes / max(counts.inputs, 1)) bytes on average) through \(targets.count) parsers in "
        + String(format: "%.1f s", elapsed) + "; accepted/run (time, inputs a second): \(parsed); slowest: "
        + String(format: "%.3f s", counts.slowest.seconds) + " (\(counts.slowest.target), \(counts.slowest.size) bytes)"
        + "; no crash, hang or blow-up"
)
