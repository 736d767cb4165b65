/// A parsed JSON document as the input readers see it.
///
/// Object members keep their file order and their duplicates, so a reader can follow Go's
/// `encoding/json` (the last of several case-insensitively equal keys wins) and list leases in the
/// order the file gives them. Numbers keep their literal text, so an integer field can refuse
/// `1.0` and `1e3` exactly as Go does, and a boolean is never mistaken for a number.
package enum InputJSON: Hashable, Sendable {
    case null
    case bool(Bool)
    /// The number's literal text, already checked against the JSON number grammar.
    case number(String)
    case string(String)
    case array([InputJSON])
    case object([Member])

    package struct Member: Hashable, Sendable {
        package var key: String
        package var value: InputJSON
    }

    /// How a message names this value: `the string "1"`, `the number 1.5`, `an object`, ….
    package var summary: String {
        switch self {
        case .null: "null"
        case .bool(let value): value ? "true" : "false"
        // Bounded: a message quotes what the input holds, and an input may be megabytes.
        case .number(let text) where text.utf8.count > 100: "the number \(text.prefix(80))… (\(text.utf8.count) characters)"
        case .number(let text): "the number \(text)"
        case .string(let text) where text.utf8.count > 100:
            "the string \(String(text.prefix(80)).debugDescription)… (\(text.utf8.count) bytes)"
        case .string(let text): "the string \(text.debugDescription)"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
