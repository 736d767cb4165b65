import JSONLexing

/// A pull reader of JSON text: the caller walks the document in the shape it expects and builds
/// its values as it goes, so no tree of the whole document is ever held. A 50,000-peer snapshot
/// is 29 MB; `JSONDecoder` needed 160 MB of scanner buffers and maps on top of it.
///
/// Strict RFC 8259 (no trailing commas, no leading zeros, no bare control characters). Every
/// error carries the path of the value being read (`.state.routes[3].gateway`) and, for syntax
/// errors, the line and column.
public struct JSONTextReader {
    /// Deeper nesting than this is refused rather than risking the stack on hostile input.
    static let maximumDepth = 512

    /// Strings, numbers, literals and whitespace are `JSONLexer`'s, shared with the lease parser.
    private var lexer: JSONLexer
    private var bytes: UnsafeRawBufferPointer { lexer.bytes }
    private(set) var index: Int {
        get { lexer.index }
        set { lexer.index = newValue }
    }
    /// How the field tables' keys are spelled in this document: snapshots are camelCase, the
    /// command outputs and plan files snake_case.
    public let keyStyle: JSONTextWriter.KeyStyle
    private var depth = 0
    /// The path to the value being read; rendered only for an error.
    private var path: [JSONPathComponent] = []
    /// Told the offset read so far, about every megabyte (between array elements), so a mapped
    /// file can give back what is behind the reader.
    public var progress: ((Int) -> Void)?
    private var reported = 0

    public init(_ bytes: UnsafeRawBufferPointer, keyStyle: JSONTextWriter.KeyStyle = .camelCase) {
        lexer = JSONLexer(bytes)
        self.keyStyle = keyStyle
    }

    // MARK: Errors

    /// A value of the right JSON type that is wrong: `not an IPv4 address: 1.2.3 at .fdb[0].destination`.
    public func invalid(_ reason: String) -> JSONReadError { JSONReadError(kind: .invalid, reason: reason, path: path) }

    /// The same, about the member `key` of the object just read (`changes[3].action`).
    func invalid(_ reason: String, member key: String) -> JSONReadError {
        JSONReadError(kind: .invalid, reason: reason, path: path + [.key(key)])
    }

    func missing(_ key: String) -> JSONReadError {
        JSONReadError(kind: .missingKey(key), reason: "missing \"\(key)\"", path: path)
    }

    private func syntax(_ reason: String, at offset: Int? = nil) -> JSONReadError {
        let (line, column) = lexer.lineAndColumn(of: offset ?? index)
        return JSONReadError(kind: .syntax, reason: "\(reason) (line \(line), column \(column))", path: path)
    }

    private func mismatch(_ expected: String) -> JSONReadError {
        let found = foundValue
        return JSONReadError(
            kind: .typeMismatch(expected: expected, foundNull: found == "null"), reason: "expected \(expected), found \(found)",
            path: path
        )
    }

    /// How a message names the value at the reader's position.
    private var foundValue: String {
        switch peek ?? 0 {
        case UInt8(ascii: "{"): "an object"
        case UInt8(ascii: "["): "an array"
        case UInt8(ascii: "\""): "a string"
        case UInt8(ascii: "t"), UInt8(ascii: "f"): "a boolean"
        case UInt8(ascii: "n"): "null"
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): "a number"
        default: found
        }
    }

    /// The character at the reader's position: `'x'`, `U+0001`, or `end of input`.
    private var found: String { lexer.found }

    // MARK: Deferred values

    /// Steps over the value here, returning where it starts, to be read by `reread` once the
    /// object around it says what it is (a change's `before` comes before its `kind`).
    mutating func skipForLater() throws(JSONReadError) -> Int {
        skipWhitespace()
        let start = index
        try skipValue()
        return start
    }

    /// Reads the value at `offset` (from `skipForLater`) as the member `key` of the object the
    /// reader has just left, and comes back.
    mutating func reread<T>(
        at offset: Int, member key: String, _ read: (inout JSONTextReader) throws(JSONReadError) -> T
    ) throws(JSONReadError) -> T {
        let resume = index
        index = offset
        path.append(.key(key))
        let value = try read(&self)
        path.removeLast()
        index = resume
        return value
    }

    // MARK: Document

    /// Checks that nothing but whitespace follows the value just read.
    public mutating func finish() throws(JSONReadError) {
        skipWhitespace()
        if index != bytes.count { throw syntax("unexpected \(found) after the end of the JSON value") }
    }

    // MARK: Containers

    /// Reads an object, calling `member` with each key; `member` must read (or skip) the value.
    public mutating func readObject(
        _ member: (inout JSONTextReader, String) throws(JSONReadError) -> Void
    ) throws(JSONReadError) {
        guard try open(UInt8(ascii: "{"), UInt8(ascii: "}"), "an object") else { return }
        while true {
            skipWhitespace()
            guard peek == UInt8(ascii: "\"") else {
                throw syntax(peek == nil ? "unexpected end of input, expected a string key" : "expected a string key, found \(found)")
            }
            let key = try parseString()
            skipWhitespace()
            guard peek == UInt8(ascii: ":") else {
                throw syntax("expected ':' after the key \(key.debugDescription), found \(found)")
            }
            index += 1
            path.append(.key(key))
            try member(&self, key)
            path.removeLast()
            if try closes(UInt8(ascii: "}"), after: "an object member") { return }
        }
    }

    /// Reads an array, calling `element` with each offset; `element` must read the value.
    public mutating func readArray(
        _ element: (inout JSONTextReader, Int) throws(JSONReadError) -> Void
    ) throws(JSONReadError) {
        guard try open(UInt8(ascii: "["), UInt8(ascii: "]"), "an array") else { return }
        var offset = 0
        while true {
            path.append(.index(offset))
            try element(&self, offset)
            path.removeLast()
            offset += 1
            if let progress, index &- reported >= 1 << 20 {
                progress(index)
                reported = index
            }
            if try closes(UInt8(ascii: "]"), after: "an array element") { return }
        }
    }

    /// An array read into `[Element]`, sized once.
    public mutating func readArray<Element>(
        of read: (inout JSONTextReader) throws(JSONReadError) -> Element
    ) throws(JSONReadError) -> [Element] {
        var elements: [Element] = []
        try readArray { (reader: inout JSONTextReader, _: Int) throws(JSONReadError) in
            elements.append(try read(&reader))
        }
        return elements
    }

    /// Steps into a container opened by `bracket`; false (and the container read) when it is empty.
    private mutating func open(_ bracket: UInt8, _ closing: UInt8, _ what: String) throws(JSONReadError) -> Bool {
        skipWhitespace()
        guard peek == bracket else { throw mismatch(what) }
        depth += 1
        if depth > Self.maximumDepth { throw syntax("nesting deeper than \(Self.maximumDepth) levels") }
        index += 1
        skipWhitespace()
        guard peek == closing else { return true }
        index += 1
        depth -= 1
        return false
    }

    /// After a member or element: true (and the container left) at `closing`, false at a comma.
    private mutating func closes(_ closing: UInt8, after what: String) throws(JSONReadError) -> Bool {
        skipWhitespace()
        switch peek {
        case UInt8(ascii: ","):
            index += 1
            return false
        case closing:
            index += 1
            depth -= 1
            return true
        case nil:
            throw syntax("unexpected end of input, expected ',' or '\(Character(UnicodeScalar(closing)))' after \(what)")
        default:
            throw syntax("expected ',' or '\(Character(UnicodeScalar(closing)))' after \(what), found \(found)")
        }
    }

    // MARK: Scalars

    /// True (and the `null` consumed) when the next value is `null`: an optional that is absent,
    /// as `decodeIfPresent` reads it.
    public mutating func readNull() throws(JSONReadError) -> Bool {
        skipWhitespace()
        guard peek == UInt8(ascii: "n") else { return false }
        try parseLiteral("null")
        return true
    }

    public mutating func readString() throws(JSONReadError) -> String {
        skipWhitespace()
        guard peek == UInt8(ascii: "\"") else { throw mismatch("a string") }
        return try parseString()
    }

    public mutating func readBool() throws(JSONReadError) -> Bool {
        skipWhitespace()
        switch peek {
        case UInt8(ascii: "t"):
            try parseLiteral("true")
            return true
        case UInt8(ascii: "f"):
            try parseLiteral("false")
            return false
        default:
            throw mismatch("true or false")
        }
    }

    /// A JSON integer (`-`, digits; no fraction or exponent) that fits `T`.
    public mutating func readInteger<T: FixedWidthInteger>(_: T.Type = T.self) throws(JSONReadError) -> T {
        skipWhitespace()
        guard let first = peek, first == UInt8(ascii: "-") || isDigit(first) else { throw mismatch("a number") }
        let start = index
        try skipNumber()
        var value: T = 0
        var negative = false
        var offset = start
        if bytes[offset] == UInt8(ascii: "-") {
            negative = true
            offset += 1
        }
        while offset < index {
            let byte = bytes[offset]
            guard isDigit(byte) else { throw invalid("the number \(text(from: start)) is not an integer") }
            let digit = T(byte &- UInt8(ascii: "0"))
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = negative ? times.subtractingReportingOverflow(digit) : times.addingReportingOverflow(digit)
            guard !overflow1, !overflow2 else { throw invalid("the number \(text(from: start)) does not fit in \(T.self)") }
            value = next
            offset += 1
        }
        return value
    }

    /// The text from `start` to the reader's position, for messages.
    private func text(from start: Int) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
    }

    /// Steps over one value of any type, checking its syntax: members this reader does not know,
    /// which `JSONDecoder` ignored too.
    public mutating func skipValue() throws(JSONReadError) {
        skipWhitespace()
        guard let byte = peek else { throw syntax("unexpected end of input, expected a value") }
        switch byte {
        case UInt8(ascii: "{"):
            try readObject { (reader: inout JSONTextReader, _: String) throws(JSONReadError) in try reader.skipValue() }
        case UInt8(ascii: "["):
            try readArray { (reader: inout JSONTextReader, _: Int) throws(JSONReadError) in try reader.skipValue() }
        case UInt8(ascii: "\""): _ = try parseString()
        case UInt8(ascii: "t"): try parseLiteral("true")
        case UInt8(ascii: "f"): try parseLiteral("false")
        case UInt8(ascii: "n"): try parseLiteral("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try skipNumber()
        default: throw syntax("expected a value, found \(found)")
        }
    }

    // MARK: Lexing

    private var peek: UInt8? { lexer.peek }

    private func isDigit(_ byte: UInt8) -> Bool { lexer.isDigit(byte) }

    private mutating func skipWhitespace() { lexer.skipWhitespace() }

    private mutating func parseLiteral(_ word: StaticString) throws(JSONReadError) {
        try lex { (lexer) throws(JSONLexError) in try lexer.scanLiteral(word) }
    }

    private mutating func skipNumber() throws(JSONReadError) {
        _ = try lex { (lexer) throws(JSONLexError) in try lexer.scanNumber() }
    }

    private mutating func parseString() throws(JSONReadError) -> String {
        try lex { (lexer) throws(JSONLexError) in try lexer.scanString() }
    }

    /// Runs a lexer step, turning its error into a syntax error at the current path.
    private mutating func lex<T>(_ step: (inout JSONLexer) throws(JSONLexError) -> T) throws(JSONReadError) -> T {
        do {
            return try step(&lexer)
        } catch {
            throw syntax(error.reason, at: error.offset)
        }
    }
}

/// A step of the path to a value: a member's key or an element's offset.
public enum JSONPathComponent: Sendable, Hashable {
    case key(String)
    case index(Int)
}

/// Why a JSON document could not be read, and where. Snapshots and plan files word it each in
/// their own way (`snapshotDescription`, `planDescription`).
public struct JSONReadError: Error, Sendable {
    public enum Kind: Sendable, Hashable {
        /// Not JSON at all.
        case syntax
        /// JSON, but a value of another type than the schema's (`null` included).
        case typeMismatch(expected: String, foundNull: Bool)
        /// A required member is absent.
        case missingKey(String)
        /// The right type, a wrong value.
        case invalid
    }

    public var kind: Kind
    /// In a snapshot's words: `expected an array, found an object`, `missing "proto"`.
    public var reason: String
    public var path: [JSONPathComponent]

    public var isSyntax: Bool { kind == .syntax }

    /// `reason at .state.routes[3].gateway` (or `at top level`).
    public var description: String {
        var text = ""
        for component in path {
            switch component {
            case .key(let name): text += "." + name
            case .index(let offset): text += "[\(offset)]"
            }
        }
        return "\(reason) at \(text.isEmpty ? "top level" : text)"
    }
}
