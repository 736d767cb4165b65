/// Where and why a JSON text failed to parse. Line and column are 1-based; the column counts
/// Unicode scalars, as libYAML (and so Yams) counts them, so JSON and YAML errors read alike.
package struct InputJSONSyntaxError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Byte offset of the problem in the text.
    package var offset: Int
    package var line: Int
    package var column: Int
    package var reason: String

    package var description: String { "line \(line), column \(column): \(reason)" }
}
