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
package struct InputJSONParser {
    /// Deeper nesting than this is refused rather than risking the stack on hostile input.
    static let maximumDepth = 512

    private var lexer: JSONLexer
    private var depth = 0

    private init(_ bytes: UnsafeRawBufferPointer) { lexer = JSONLexer(bytes) }

    /// Parses one JSON value filling the whole text (surrounding whitespace allowed).
    package static func parse(_ bytes: [UInt8]) throws(InputJSONSyntaxError) -> InputJSON {
        let result = bytes.withUnsafeBytes { raw in
            var parser = InputJSONParser(raw)
            return Result { () throws(InputJSONSyntaxError) in try parser.parseDocument() }
        }
        return try result.get()
    }

    /// Parses one JSON value filling the whole text, building only the parts `selection` names;
    /// the rest is checked for well-formedness (every string closed, every container balanced,
    /// the nesting bounded) and skipped without building anything. A Kubernetes node is several
    /// KB of status, images and managed fields around the hundred bytes a lease is made of.
    package static func parse(_ bytes: UnsafeRawBufferPointer, selecting selection: JSONSelection) throws(InputJSONSyntaxError) -> InputJSON {
        var parser = InputJSONParser(bytes)
        return try parser.parseDocument(selecting: selection)
    }

    /// Parses one JSON value filling the whole text when it is an object, handing each member to
    /// `body` as soon as it is built, without building the object: what the caller makes of a
    /// member (a lease) is kept and the member's tree is freed, so a file of 50,000 leases never
    /// has its ≈ 25 MB document tree alive at once.
    ///
    /// Returns false as soon as the value turns out not to be an object or `accepts` declines a
    /// member's key (before its value is built); the caller then parses the text the usual way.
    /// Until then the text is read exactly as `parse(_:)` reads it, so a syntax error met while
    /// streaming is the one `parse(_:)` would throw.
    package static func forEachMember(
        of bytes: [UInt8], accepts: (String) -> Bool, _ body: (InputJSON.Member) -> Void
    ) throws(InputJSONSyntaxError) -> Bool {
        let result = bytes.withUnsafeBytes { raw in
            var parser = InputJSONParser(raw)
            return Result { () throws(InputJSONSyntaxError) in try parser.streamDocument(accepts: accepts, body) }
        }
        return try result.get()
    }

    private mutating func streamDocument(accepts: (String) -> Bool, _ body: (InputJSON.Member) -> Void) throws(InputJSONSyntaxError) -> Bool {
        lexer.skipWhitespace()
        if lexer.isAtEnd { throw error("no JSON value: the text is empty") }
        guard lexer.peek == UInt8(ascii: "{") else { return false }
        try enterContainer()
        lexer.index += 1  // {
        lexer.skipWhitespace()
        if lexer.peek == UInt8(ascii: "}") {
            lexer.index += 1
            depth -= 1
        } else {
            members: while true {
                let key = try memberKey()
                guard accepts(key) else { return false }
                body(InputJSON.Member(key: key, value: try parseValue()))
                lexer.skipWhitespace()
                switch lexer.peek {
                case UInt8(ascii: ","):
                    lexer.index += 1
                case UInt8(ascii: "}"):
                    lexer.index += 1
                    depth -= 1
                    break members
                case nil:
                    throw error("unexpected end of input, expected ',' or '}' after an object member")
                default:
                    throw error("expected ',' or '}' after an object member, found \(lexer.found)")
                }
            }
        }
        lexer.skipWhitespace()
        if !lexer.isAtEnd {
            throw error("unexpected \(lexer.found) after the end of the JSON value")
        }
        return true
    }

    private mutating func parseDocument(selecting selection: JSONSelection = .all) throws(InputJSONSyntaxError) -> InputJSON {
        lexer.skipWhitespace()
        if lexer.isAtEnd { throw error("no JSON value: the text is empty") }
        let value = try parseValue(selecting: selection)
        lexer.skipWhitespace()
        if !lexer.isAtEnd {
            throw error("unexpected \(lexer.found) after the end of the JSON value")
        }
        return value
    }

    // MARK: Values

    private mutating func parseValue(selecting selection: JSONSelection) throws(InputJSONSyntaxError) -> InputJSON {
        switch (selection, lexer.peek) {
        case (.all, _):
            return try parseValue()
        case (.members, UInt8(ascii: "{")?), (.membersPrefixed, UInt8(ascii: "{")?):
            return try parseObject(selecting: selection)
        case (.elements(let inner), UInt8(ascii: "[")?):
            return try parseArray(selecting: inner)
        default:
            // Not the container the selection expects: built whole, so the reader names its type.
            return try parseValue()
        }
    }

    /// An object whose selected members are built (all of them for `.all`, the whole parser's
    /// case); the others are skipped.
    private mutating func parseObject(selecting selection: JSONSelection) throws(InputJSONSyntaxError) -> InputJSON {
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
            let key = try memberKey()
            switch selection {
            case .members(let selected):
                if let inner = selected[key] {
                    members.append(InputJSON.Member(key: key, value: try parseValue(selecting: inner)))
                } else {
                    try skipValue()
                }
            case .membersPrefixed(let prefix):
                if key.hasPrefix(prefix) {
                    members.append(InputJSON.Member(key: key, value: try parseValue()))
                } else {
                    try skipValue()
                }
            case .all, .elements:
                members.append(InputJSON.Member(key: key, value: try parseValue()))
            }
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

    /// A member's key and the ':' after it, leaving the lexer at the member's value.
    @inline(__always)
    private mutating func memberKey() throws(InputJSONSyntaxError) -> String {
        lexer.skipWhitespace()
        guard lexer.peek == UInt8(ascii: "\"") else {
            throw error(!lexer.isAtEnd ? "expected a string key, found \(lexer.found)" : "unexpected end of input, expected a string key")
        }
        let key = try lex { (lexer) throws(JSONLexError) in try lexer.scanString() }
        lexer.skipWhitespace()
        guard lexer.peek == UInt8(ascii: ":") else {
            throw error(!lexer.isAtEnd
                ? "expected ':' after the key \(Self.quoted(key)), found \(lexer.found)"
                : "unexpected end of input, expected ':' after the key \(Self.quoted(key))")
        }
        lexer.index += 1
        lexer.skipWhitespace()
        return key
    }

    private mutating func parseArray(selecting selection: JSONSelection) throws(InputJSONSyntaxError) -> InputJSON {
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
            elements.append(try parseValue(selecting: selection))
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

    /// Steps over one value without building it: strings are scanned for their closing quote
    /// (escapes stepped over, not decoded), numbers and literals checked by the lexer, and
    /// containers walked with the same depth bound as everything else.
    private mutating func skipValue() throws(InputJSONSyntaxError) {
        guard let byte = lexer.peek else { throw error("unexpected end of input, expected a value") }
        switch byte {
        case UInt8(ascii: "\""):
            try skipString()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let close = byte == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
            let isObject = byte == UInt8(ascii: "{")
            try enterContainer()
            lexer.index += 1
            lexer.skipWhitespace()
            if lexer.peek == close {
                lexer.index += 1
                depth -= 1
                return
            }
            while true {
                lexer.skipWhitespace()
                if isObject {
                    guard lexer.peek == UInt8(ascii: "\"") else {
                        throw error(!lexer.isAtEnd ? "expected a string key, found \(lexer.found)" : "unexpected end of input, expected a string key")
                    }
                    try skipString()
                    lexer.skipWhitespace()
                    guard lexer.peek == UInt8(ascii: ":") else {
                        throw error(!lexer.isAtEnd ? "expected ':' after a key, found \(lexer.found)" : "unexpected end of input, expected ':'")
                    }
                    lexer.index += 1
                    lexer.skipWhitespace()
                }
                try skipValue()
                lexer.skipWhitespace()
                switch lexer.peek {
                case UInt8(ascii: ","):
                    lexer.index += 1
                case close?:
                    lexer.index += 1
                    depth -= 1
                    return
                case nil:
                    throw error("unexpected end of input in \(isObject ? "an object" : "an array")")
                default:
                    throw error("expected ',' or '\(Character(Unicode.Scalar(close)))', found \(lexer.found)")
                }
            }
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            _ = try lex { (lexer) throws(JSONLexError) in try lexer.scanNumber() }
        default:
            throw error("expected a value, found \(lexer.found)")
        }
    }

    /// Steps over a string: to the closing quote, a backslash taking the byte after it along.
    /// Control characters are refused as in a built string.
    private mutating func skipString() throws(InputJSONSyntaxError) {
        let bytes = lexer.bytes
        var index = lexer.index + 1
        // Eight bytes at a time while none of them is a quote, a backslash or a control
        // character (the usual SWAR tests for a zero byte and for a byte below 0x20): a node's
        // image digests and managed-field keys are most of its bytes.
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        while index + 8 <= bytes.count {
            let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            let quote = word ^ (ones &* 0x22), backslash = word ^ (ones &* 0x5c)
            let special = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((word &- ones &* 0x20) & ~word)
            if special & highs != 0 { break }
            index += 8
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                lexer.index = index + 1
                return
            }
            if byte == UInt8(ascii: "\\") {
                index += 2
                continue
            }
            if byte < 0x20 { throw error("a control character inside a string", at: index) }
            index += 1
        }
        throw error("unexpected end of input inside a string", at: lexer.index)
    }

    private mutating func parseValue() throws(InputJSONSyntaxError) -> InputJSON {
        guard let byte = lexer.peek else { throw error("unexpected end of input, expected a value") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject(selecting: .all)
        case UInt8(ascii: "["): return try parseArray(selecting: .all)
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

    /// A key as an error names it, bounded: a hostile key may be as long as the input.
    static func quoted(_ key: String) -> String {
        key.utf8.count > 100 ? String(key.prefix(80)).debugDescription + "… (\(key.utf8.count) bytes)" : key.debugDescription
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

/// Which parts of a JSON document `InputJSONParser.parse(_:selecting:)` builds.
package indirect enum JSONSelection: Sendable {
    /// The whole value.
    case all
    /// An object's members with these keys, each selected further; the others skipped.
    case members([String: JSONSelection])
    /// An object's members whose keys start with this text, whole; the others skipped.
    case membersPrefixed(String)
    /// An array's elements, each selected further.
    case elements(JSONSelection)
}
