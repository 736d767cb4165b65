import ArgumentParser

/// A command's `-o` formats. The help lists the cases as declared, so a new format is
/// documented where it is added.
protocol OutputFormat: RawRepresentable<String>, ExpressibleByArgument, CaseIterable {}

extension OutputFormat {
    /// `Output: text, json or script.`
    static var help: ArgumentHelp {
        let names = allCases.map(\.rawValue)
        let list = names.count > 1 ? names.dropLast().joined(separator: ", ") + " or " + names[names.count - 1] : names.joined()
        return ArgumentHelp("Output: \(list).")
    }
}
