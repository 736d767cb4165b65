import Foundation
import Testing

/// A strict reader of the Prometheus text exposition format (0.0.4), enough to prove that
/// `/metrics` parses and to read a sample's value.
enum PrometheusText {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    enum Problem: Error, CustomStringConvertible {
        case badLine(Int, String)
        case sampleWithoutType(String)
        var description: String {
            switch self {
            case .badLine(let number, let line): "line \(number): not Prometheus text: \(line)"
            case .sampleWithoutType(let name): "sample \(name) has no # TYPE line"
            }
        }
    }

    static func parse(_ text: String) throws -> [Sample] {
        var samples: [Sample] = []
        var types: [String: String] = [:]
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(raw)
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ", maxSplits: 3).map(String.init)
                if parts.count >= 4, parts[1] == "TYPE" {
                    guard ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[3]) else {
                        throw Problem.badLine(number + 1, line)
                    }
                    types[parts[2]] = parts[3]
                } else if parts.count >= 3, parts[1] == "HELP" {
                } else {
                    throw Problem.badLine(number + 1, line)
                }
                continue
            }
            guard let sample = sample(line) else { throw Problem.badLine(number + 1, line) }
            let family = ["_bucket", "_sum", "_count", "_total"].reduce(sample.name) { name, suffix in
                types[name] == nil && name.hasSuffix(suffix) && types[String(name.dropLast(suffix.count))] != nil
                    ? String(name.dropLast(suffix.count)) : name
            }
            guard types[family] != nil else { throw Problem.sampleWithoutType(sample.name) }
            samples.append(sample)
        }
        return samples
    }

    /// `name{a="b",c="d"} value [timestamp]`.
    static func sample(_ line: String) -> Sample? {
        let nameEnd = line.firstIndex { $0 == "{" || $0 == " " } ?? line.endIndex
        let name = String(line[..<nameEnd])
        guard let first = name.first, first.isLetter || first == "_" || first == ":",
              name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" }) else { return nil }
        var rest = line[nameEnd...]
        var labels: [String: String] = [:]
        if rest.first == "{" {
            guard let close = rest.firstIndex(of: "}") else { return nil }
            let body = rest[rest.index(after: rest.startIndex)..<close]
            for pair in body.split(separator: ",") where !pair.isEmpty {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, parts[1].hasPrefix("\""), parts[1].hasSuffix("\""), parts[1].count >= 2 else { return nil }
                labels[String(parts[0])] = String(parts[1].dropFirst().dropLast())
            }
            rest = rest[rest.index(after: close)...]
        }
        let fields = rest.split(separator: " ")
        guard (1...2).contains(fields.count) else { return nil }
        let text = String(fields[0])
        let value: Double? = switch text {
        case "+Inf": .infinity
        case "-Inf": -.infinity
        case "NaN": .nan
        default: Double(text)
        }
        guard let value else { return nil }
        return Sample(name: name, labels: labels, value: value)
    }

    /// The value of the sample with this name and (at least) these labels.
    static func value(_ text: String, _ name: String, labels: [String: String] = [:]) -> Double? {
        guard let samples = try? parse(text) else { return nil }
        return samples.first { sample in
            sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value }
        }?.value
    }
}

struct ReconcileMetricsTests {
    @Test func theReaderIsStrict() throws {
        let good = """
            # HELP x_total Things.
            # TYPE x_total counter
            x_total{kind="route",verb="create"} 3
            # TYPE h histogram
            h_bucket{le="0.1"} 1
            h_bucket{le="+Inf"} 2
            h_sum 0.3
            h_count 2
            """
        #expect(try PrometheusText.parse(good).count == 5)
        #expect(PrometheusText.value(good, "x_total", labels: ["kind": "route"]) == 3)
        #expect(throws: (any Error).self) { try PrometheusText.parse("x_total 1") }
        #expect(throws: (any Error).self) { try PrometheusText.parse("# TYPE x counter\nx{a=b} 1") }
        #expect(throws: (any Error).self) { try PrometheusText.parse("# TYPE x counter\nx one") }
    }
}
