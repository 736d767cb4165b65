import Foundation

/// One folder of `Tests/Golden/Cases`: input files, an optional `inputs` line shared by the
/// commands, and a `commands` file naming each expected output and the command line that makes
/// it: `desired.txt desired {inputs} -o text`. In arguments, `@file` is the case's file and
/// `{inputs}` the content of `inputs`.
struct GoldenCase: CustomStringConvertible, Sendable {
    let name: String
    let directory: URL

    var description: String { name }

    struct Command: Sendable {
        let output: String
        let arguments: [String]
    }

    static let casesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Cases")

    static var all: [GoldenCase] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: casesDirectory.path)) ?? []
        return names.sorted().compactMap { name in
            let directory = casesDirectory.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("commands").path) else {
                return nil
            }
            return GoldenCase(name: name, directory: directory)
        }
    }

    func commands() throws -> [Command] {
        let inputs = (try? String(contentsOf: directory.appendingPathComponent("inputs"), encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let text = try String(contentsOf: directory.appendingPathComponent("commands"), encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { return nil }
            let words = trimmed.replacingOccurrences(of: "{inputs}", with: inputs)
                .split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let output = words.first else { return nil }
            return Command(output: output, arguments: words.dropFirst().map(resolve))
        }
    }

    private func resolve(_ word: String) -> String {
        guard word.hasPrefix("@") else { return word }
        return directory.appendingPathComponent(String(word.dropFirst())).path
    }

    /// Output with the case's absolute path removed, so error messages naming input files are
    /// the same on every machine.
    func normalize(_ text: String) -> String {
        text.replacingOccurrences(of: directory.path + "/", with: "")
    }
}
