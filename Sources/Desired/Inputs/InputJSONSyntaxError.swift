/// Where and why a JSON text failed to parse. Line and column are 1-based; the column counts
/// Unicode scalars, as libYAML (and so Yams) counts them, so JSON and YAML errors read alike.
struct InputJSONSyntaxError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Byte offset of the problem in the text.
    var offset: Int
    var line: Int
    var column: Int
    var reason: String

    var description: String { "line \(line), column \(column): \(reason)" }
}
