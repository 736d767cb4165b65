/// A pull reader of JSON text: the caller walks the document in the shape it expects and builds
/// its values as it goes, so no tree of the whole document is ever held. A 50,000-peer snapshot
/// is 29 MB; `JSONDecoder` needed 160 MB of scanner buffers and maps on top of it.
///
/// Strict RFC 8259 (no trailing commas, no leading zeros, no bare control characters). Every
/// error carries the path of the value being read (`.state.routes[3].gateway`) and, for syntax
/// errors, the line and column.
struct JSONTextReader {
    /// Deeper nesting than this is refused rather than risking the stack on hostile input.
    static let maximumDepth = 512

    private let bytes: UnsafeRawBufferPointer
    private(set) var index = 0
    private var depth = 0
    /// The path to the value being read; rendered only for an error.
    private var path: [Component] = []
    /// Told the offset read so far, about every megabyte (between array elements), so a mapped
    /// file can give back what is behind the reader.
    var progress: ((Int) -> Void)?
    private var reported = 0

    enum Component {
        case key(String)
        case index(Int)
    }

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    // MARK: Errors

    /// Where the reader is, as `JSONDecoder` named coding paths: `.state.routes[3]`.
    var pathText: String {
        var text = ""
        for component in path {
            switch component {
            case .key(let name): text += "." + name
            case .index(let offset): text += "[\(offset)]"
            }
        }
        return text.isEmpty ? "top level" : text
    }

    /// A value of the right JSON type that is wrong: `not an IPv4 address: 1.2.3 at .fdb[0].destination`.
    func invalid(_ reason: String) -> JSONReadError { JSONReadError(kind: .invalid, reason: reason, path: pathText) }

    func missing(_ key: String) -> JSONReadError {
        JSONReadError(kind: .missingKey, reason: "missing \"\(key)\"", path: pathText)
    }

    private func syntax(_ reason: String) -> JSONReadError {
        var line = 1
        var column = 1
        for offset in 0..<min(index, bytes.count) {
            if bytes[offset] == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if bytes[offset] & 0xC0 != 0x80 {
                column += 1
            }
        }
        return JSONReadError(kind: .syntax, reason: "\(reason) (line \(line), column \(column))", path: pathText)
    }

    private func mismatch(_ expected: String) -> JSONReadError {
        JSONReadError(kind: .typeMismatch, reason: "expected \(expected), found \(foundValue)", path: pathText)
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
    private var found: String {
        guard let byte = peek else { return "end of input" }
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        let hex = String(byte, radix: 16, uppercase: true)
        return byte < 0x80 ? "U+" + String(repeating: "0", count: 4 - hex.count) + hex : "the byte 0x" + hex
    }

    // MARK: Document

    /// Checks that nothing but whitespace follows the value just read.
    mutating func finish() throws(JSONReadError) {
        skipWhitespace()
        if index != bytes.count { throw syntax("unexpected \(found) after the end of the JSON value") }
    }

    // MARK: Containers

    /// Reads an object, calling `member` with each key; `member` must read (or skip) the value.
    mutating func readObject(
        _ member: (inout JSONTextReader, String) throws(JSONReadError) -> Void
    ) throws(JSONReadError) {
        skipWhitespace()
        guard peek == UInt8(ascii: "{") else { throw mismatch("an object") }
        try enterContainer()
        index += 1
        skipWhitespace()
        if peek == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return
        }
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
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","):
                index += 1
            case UInt8(ascii: "}"):
                index += 1
                depth -= 1
                return
            case nil:
                throw syntax("unexpected end of input, expected ',' or '}' after an object member")
            default:
                throw syntax("expected ',' or '}' after an object member, found \(found)")
            }
        }
    }

    /// Reads an array, calling `element` with each offset; `element` must read the value.
    mutating func readArray(
        _ element: (inout JSONTextReader, Int) throws(JSONReadError) -> Void
    ) throws(JSONReadError) {
        skipWhitespace()
        guard peek == UInt8(ascii: "[") else { throw mismatch("an array") }
        try enterContainer()
        index += 1
        skipWhitespace()
        if peek == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return
        }
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
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","):
                index += 1
            case UInt8(ascii: "]"):
                index += 1
                depth -= 1
                return
            case nil:
                throw syntax("unexpected end of input, expected ',' or ']' after an array element")
            default:
                throw syntax("expected ',' or ']' after an array element, found \(found)")
            }
        }
    }

    /// An array read into `[Element]`, sized once.
    mutating func readArray<Element>(
        of read: (inout JSONTextReader) throws(JSONReadError) -> Element
    ) throws(JSONReadError) -> [Element] {
        var elements: [Element] = []
        try readArray { (reader: inout JSONTextReader, _: Int) throws(JSONReadError) in
            elements.append(try read(&reader))
        }
        return elements
    }

    private mutating func enterContainer() throws(JSONReadError) {
        depth += 1
        if depth > Self.maximumDepth { throw syntax("nesting deeper than \(Self.maximumDepth) levels") }
    }

    // MARK: Scalars

    /// True (and the `null` consumed) when the next value is `null`: an optional that is absent,
    /// as `decodeIfPresent` reads it.
    mutating func readNull() throws(JSONReadError) -> Bool {
        skipWhitespace()
        guard peek == UInt8(ascii: "n") else { return false }
        try parseLiteral("null")
        return true
    }

    mutating func readString() throws(JSONReadError) -> String {
        skipWhitespace()
        guard peek == UInt8(ascii: "\"") else { throw mismatch("a string") }
        return try parseString()
    }

    mutating func readBool() throws(JSONReadError) -> Bool {
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
    mutating func readInteger<T: FixedWidthInteger>(_: T.Type = T.self) throws(JSONReadError) -> T {
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
    mutating func skipValue() throws(JSONReadError) {
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

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    private func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): index += 1
            default: return
            }
        }
    }

    private mutating func parseLiteral(_ word: StaticString) throws(JSONReadError) {
        let start = index
        for byte in UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount) {
            guard peek == byte else {
                index = start
                throw syntax("expected a value, found \(found)")
            }
            index += 1
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    private mutating func skipNumber() throws(JSONReadError) {
        if peek == UInt8(ascii: "-") { index += 1 }
        guard let first = peek, isDigit(first) else { throw syntax("expected a digit after '-', found \(found)") }
        index += 1
        if first == UInt8(ascii: "0"), let next = peek, isDigit(next) {
            throw syntax("a number must not have a leading zero")
        }
        skipDigits()
        if peek == UInt8(ascii: ".") {
            index += 1
            guard let next = peek, isDigit(next) else {
                throw syntax("expected a digit after the decimal point, found \(found)")
            }
            skipDigits()
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            index += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
            guard let next = peek, isDigit(next) else { throw syntax("expected a digit in the exponent, found \(found)") }
            skipDigits()
        }
    }

    private mutating func skipDigits() {
        while let byte = peek, isDigit(byte) { index += 1 }
    }

    private mutating func parseString() throws(JSONReadError) -> String {
        index += 1  // opening quote
        let start = index
        // Fast path: no escapes, decoded in one go (short ones without allocating).
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<(index - 1)]), as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { break }
            index += 1
        }
        var scalars = String.UnicodeScalarView()
        var runStart = start
        while true {
            guard index < bytes.count else { throw syntax("unexpected end of input inside a string") }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                appendRun(&scalars, from: runStart)
                index += 1
                return String(scalars)
            case UInt8(ascii: "\\"):
                appendRun(&scalars, from: runStart)
                scalars.append(try parseEscape())
                runStart = index
            case 0..<0x20:
                throw syntax("control character \(found) in a string must be escaped")
            default:
                index += 1
            }
        }
    }

    private func appendRun(_ scalars: inout String.UnicodeScalarView, from start: Int) {
        guard start < index else { return }
        scalars.append(contentsOf: String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self).unicodeScalars)
    }

    /// One escape sequence; an unpaired surrogate becomes U+FFFD.
    private mutating func parseEscape() throws(JSONReadError) -> Unicode.Scalar {
        let escapeStart = index
        index += 1  // backslash
        guard let letter = peek else { throw syntax("unexpected end of input inside a string") }
        index += 1
        switch letter {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let high = try parseHex4()
            if (0xD800...0xDBFF).contains(high) {
                let save = index
                if peek == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") {
                    index += 2
                    let low = try parseHex4()
                    if (0xDC00...0xDFFF).contains(low) {
                        return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)) ?? "\u{FFFD}"
                    }
                }
                index = save
                return "\u{FFFD}"
            }
            return Unicode.Scalar(high) ?? "\u{FFFD}"
        default:
            index = escapeStart
            throw syntax("invalid escape sequence '\\\(String(decoding: [letter], as: UTF8.self))' in a string")
        }
    }

    private mutating func parseHex4() throws(JSONReadError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = peek else { throw syntax("expected four hex digits after '\\u', found \(found)") }
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw syntax("expected four hex digits after '\\u', found \(found)")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }
}

/// Why a JSON document could not be read, and where.
struct JSONReadError: Error, Sendable {
    enum Kind: Sendable {
        /// Not JSON at all.
        case syntax
        /// JSON, but a value of another type than the schema's.
        case typeMismatch
        /// A required member is absent.
        case missingKey
        /// The right type, a wrong value.
        case invalid
    }

    var kind: Kind
    var reason: String
    /// `.state.routes[3].gateway`, or `top level`.
    var path: String

    var description: String { "\(reason) at \(path)" }
}
