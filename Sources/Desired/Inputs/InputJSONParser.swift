import JSONLexing

/// A strict RFC 8259 parser for the input files.
///
/// Foundation's `JSONSerialization` was measured on this platform (swift-corelibs-foundation,
/// Swift 6.3) and does not fit: it accepts trailing commas (`[1,2,]`), which Go's
/// `encoding/json` (and so flannel) refuses; it returns `true` and `1` as `NSNumber`s that both
/// cast to `Bool` and `Int`; it loses the order of object members; and it reports only
/// "around character N" (nothing at all at end of input). This parser refuses what Go refuses,
/// keeps member order and literal number text, and says the line and column of every error.
/// The lexing (strings, escapes, numbers, literals) is `JSONLexer`'s, shared with the snapshot
/// reader.
struct InputJSONParser {
    /// Deeper nesting than this is refused rather than risking the stack on hostile input.
    static let maximumDepth = 512

    private var lexer: JSONLexer
    private var depth = 0

    private init(_ bytes: UnsafeRawBufferPointer) { lexer = JSONLexer(bytes) }

    /// Parses one JSON value filling the whole text (surrounding whitespace allowed).
    static func parse(_ bytes: [UInt8]) throws(InputJSONSyntaxError) -> InputJSON {
        let result = bytes.withUnsafeBytes { raw in
            var parser = InputJSONParser(raw)
            return Result { () throws(InputJSONSyntaxError) in try parser.parseDocument() }
        }
        return try result.get()
    }

    private mutating func parseDocument() throws(InputJSONSyntaxError) -> InputJSON {
        lexer.skipWhitespace()
        if lexer.isAtEnd { throw error("no JSON value: the text is empty") }
        let value = try parseValue()
        lexer.skipWhitespace()
        if !lexer.isAtEnd {
            throw error("unexpected \(lexer.found) after the end of the JSON value")
        }
        return value
    }

    // MARK: Values

    private mutating func parseValue() throws(InputJSONSyntaxError) -> InputJSON {
        guard let byte = lexer.peek else { throw error("unexpected end of input, expected a value") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try lex { (lexer) throws(JSONLexError) in try lexer.scanString() })
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let range = try lex { (lexer) throws(JSONLexError) in try lexer.scanNumber() }
            return .number(lexer.text(range))
        default: throw error("expected a value, found \(lexer.found)")
        }
    }

    private mutating func parseObject() throws(InputJSONSyntaxError) -> InputJSON {
        try enterContainer()
        lexer.index += 1  // {
        var members: [InputJSON.Member] = []
        lexer.skipWhitespace()
        if lexer.peek == UInt8(ascii: "}") {
            lexer.index += 1
            depth -= 1
            return .object(members)
        }
        while true {
            lexer.skipWhitespace()
            guard lexer.peek == UInt8(ascii: "\"") else {
                throw error(!lexer.isAtEnd
                    ? "expected a string key, found \(lexer.found)"
                    : "unexpected end of input, expected a string key")
            }
            let key = try lex { (lexer) throws(JSONLexError) in try lexer.scanString() }
            lexer.skipWhitespace()
            guard lexer.peek == UInt8(ascii: ":") else {
                throw error(!lexer.isAtEnd
                    ? "expected ':' after the key \(key.debugDescription), found \(lexer.found)"
                    : "unexpected end of input, expected ':' after the key \(key.debugDescription)")
            }
            lexer.index += 1
            lexer.skipWhitespace()
            members.append(InputJSON.Member(key: key, value: try parseValue()))
            lexer.skipWhitespace()
            switch lexer.peek {
            case UInt8(ascii: ","):
                lexer.index += 1
            case UInt8(ascii: "}"):
                lexer.index += 1
                depth -= 1
                return .object(members)
            case nil:
                throw error("unexpected end of input, expected ',' or '}' after an object member")
            default:
                throw error("expected ',' or '}' after an object member, found \(lexer.found)")
            }
        }
    }

    private mutating func parseArray() throws(InputJSONSyntaxError) -> InputJSON {
        try enterContainer()
        lexer.index += 1  // [
        var elements: [InputJSON] = []
        lexer.skipWhitespace()
        if lexer.peek == UInt8(ascii: "]") {
            lexer.index += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            lexer.skipWhitespace()
            elements.append(try parseValue())
            lexer.skipWhitespace()
            switch lexer.peek {
            case UInt8(ascii: ","):
                lexer.index += 1
            case UInt8(ascii: "]"):
                lexer.index += 1
                depth -= 1
                return .array(elements)
            case nil:
                throw error("unexpected end of input, expected ',' or ']' after an array element")
            default:
                throw error("expected ',' or ']' after an array element, found \(lexer.found)")
            }
        }
    }

    private mutating func enterContainer() throws(InputJSONSyntaxError) {
        depth += 1
        if depth > Self.maximumDepth {
            throw error("nesting deeper than \(Self.maximumDepth) levels")
        }
    }

    private mutating func literal(_ word: StaticString) throws(InputJSONSyntaxError) {
        try lex { (lexer) throws(JSONLexError) in try lexer.scanLiteral(word) }
    }

    // MARK: Errors

    /// Runs a lexer step, turning its error into this parser's, with line and column.
    private mutating func lex<T>(_ step: (inout JSONLexer) throws(JSONLexError) -> T) throws(InputJSONSyntaxError) -> T {
        do {
            return try step(&lexer)
        } catch {
            throw self.error(error.reason, at: error.offset)
        }
    }

    private func error(_ reason: String, at offset: Int? = nil) -> InputJSONSyntaxError {
        let offset = offset ?? lexer.index
        let (line, column) = lexer.lineAndColumn(of: offset)
        return InputJSONSyntaxError(offset: offset, line: line, column: column, reason: reason)
    }
}
