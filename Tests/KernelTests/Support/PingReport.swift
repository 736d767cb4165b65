/// What one `ping` run saw, parsed from its per-reply lines and its closing summary.
struct PingReport: Sendable, Equatable {
    let transmitted: Int
    let received: Int
    /// ICMP errors reported (`+N errors`), e.g. "Destination Host Unreachable".
    let errors: Int
    let duplicates: Int
    /// The loss ping printed, in percent.
    let lossPercent: Double
    /// `icmp_seq` of every echo reply seen, ascending, without duplicates.
    let answeredSequences: [Int]

    /// Requests that got no reply, counting one possibly still in flight at stop.
    var lost: Int { transmitted - received }

    /// `icmp_seq` (1...transmitted) of requests without a reply, ascending; shows *when* traffic
    /// stopped (sequence × interval ≈ time since start).
    var unansweredSequences: [Int] {
        guard transmitted > 0 else { return [] }
        let answered = Set(answeredSequences)
        return (1...transmitted).filter { !answered.contains($0) }
    }

    /// Lost requests, not counting the last one if unanswered: SIGINT makes ping print its summary
    /// at once, so the request sent just before can be in flight, not lost. At 10 ms intervals
    /// and sub-millisecond namespace RTTs that happens now and then, and would make a 0-loss
    /// assertion flaky. Icmp_seq wrap-around (after 65 535 requests, ~11 min at 10 ms) is not
    /// handled.
    var lostBeforeStop: Int {
        let unanswered = unansweredSequences
        if let last = unanswered.last, last == transmitted {
            return unanswered.count - 1
        }
        return unanswered.count
    }

    /// Parses iputils ping output (with `LC_ALL=C`).
    static func parse(_ output: String) throws(PingParseError) -> PingReport {
        var answered = Set<Int>()
        var summary: Substring?
        for line in output.split(separator: "\n") {
            if line.contains("bytes from"), let seq = field("icmp_seq=", in: line) {
                answered.insert(seq)
            } else if line.contains("packets transmitted") {
                summary = line
            }
        }
        guard let summary else {
            throw .missingSummary(output: output)
        }
        var transmitted: Int?
        var received: Int?
        var errors = 0
        var duplicates = 0
        var loss: Double?
        for part in summary.split(separator: ",") {
            let words = part.split(separator: " ")
            guard let first = words.first else { continue }
            let rest = words.dropFirst().joined(separator: " ")
            switch rest {
            case "packets transmitted": transmitted = Int(first)
            case "received": received = Int(first)
            case "errors": errors = Int(first.dropFirst()) ?? 0
            case "duplicates": duplicates = Int(first.dropFirst()) ?? 0
            case "packet loss": loss = Double(first.dropLast())
            default: continue
            }
        }
        guard let transmitted, let received, let loss else {
            throw .malformedSummary(String(summary))
        }
        return PingReport(
            transmitted: transmitted,
            received: received,
            errors: errors,
            duplicates: duplicates,
            lossPercent: loss,
            answeredSequences: answered.sorted()
        )
    }

    private static func field(_ key: String, in line: Substring) -> Int? {
        guard let range = line.range(of: key) else { return nil }
        return Int(line[range.upperBound...].prefix(while: \.isNumber))
    }
}

enum PingParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// ping died without its statistics block (killed, or never started).
    case missingSummary(output: String)
    case malformedSummary(String)

    var description: String {
        switch self {
        case .missingSummary(let output): return "ping printed no summary; output was: \(output.suffix(500))"
        case .malformedSummary(let line): return "unreadable ping summary: \(line)"
        }
    }
}
