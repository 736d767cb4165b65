/// A strict RFC 8259 parser for the input files.
///
/// Foundation's `JSONSerialization` was measured on this platform (swift-corelibs-foundation,
/// Swift 6.3) and does not fit: it accepts trailing commas (`[1,2,]`), which Go's
/// `encoding/json` (and so flannel) refuses; it returns `true` and `1` as `NSNumber`s that both
/// cast to `Bool` and `Int`; it loses the order of object members; and it reports only
/// "around character N" (nothing at all at end of input). This parser refuses what Go refuses,
/// keeps member order and literal number text, and says the line and column of every error.
struct InputJSONParser {
    /// Deeper nesting than this is refused rather than risking the stack on hostile input.
    static let maximumDepth = 512

    private let bytes: [UInt8]
    private var index = 0
    private var depth = 0

    private init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Parses one JSON value filling the whole text (surrounding whitespace allowed).
    static func parse(_ bytes: [UInt8]) throws(InputJSONSyntaxError) -> InputJSON {
        var parser = InputJSONParser(bytes)
        parser.skipWhitespace()
        if parser.index == bytes.count { throw parser.error("no JSON value: the text is empty") }
        let value = try parser.parseValue()
        parser.skipWhitespace()
        if parser.index != bytes.count {
            throw parser.error("unexpected \(parser.found) after the end of the JSON value")
        }
        return value
    }

    // MARK: Values

    private mutating func parseValue() throws(InputJSONSyntaxError) -> InputJSON {
        guard index < bytes.count else { throw error("unexpected end of input, expected a value") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try parseLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try parseLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try parseLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw error("expected a value, found \(found)")
        }
    }

    private mutating func parseObject() throws(InputJSONSyntaxError) -> InputJSON {
        try enterContainer()
        index += 1  // {
        var members: [InputJSON.Member] = []
        skipWhitespace()
        if peek == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard peek == UInt8(ascii: "\"") else {
                throw error(index < bytes.count
                    ? "expected a string key, found \(found)"
                    : "unexpected end of input, expected a string key")
            }
            let key = try parseString()
            skipWhitespace()
            guard peek == UInt8(ascii: ":") else {
                throw error(index < bytes.count
                    ? "expected ':' after the key \(key.debugDescription), found \(found)"
                    : "unexpected end of input, expected ':' after the key \(key.debugDescription)")
            }
            index += 1
            skipWhitespace()
            members.append(InputJSON.Member(key: key, value: try parseValue()))
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","):
                index += 1
            case UInt8(ascii: "}"):
                index += 1
                depth -= 1
                return .object(members)
            case nil:
                throw error("unexpected end of input, expected ',' or '}' after an object member")
            default:
                throw error("expected ',' or '}' after an object member, found \(found)")
            }
        }
    }

    private mutating func parseArray() throws(InputJSONSyntaxError) -> InputJSON {
        try enterContainer()
        index += 1  // [
        var elements: [InputJSON] = []
        skipWhitespace()
        if peek == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue())
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","):
                index += 1
            case UInt8(ascii: "]"):
                index += 1
                depth -= 1
                return .array(elements)
            case nil:
                throw error("unexpected end of input, expected ',' or ']' after an array element")
            default:
                throw error("expected ',' or ']' after an array element, found \(found)")
            }
        }
    }

    private mutating func enterContainer() throws(InputJSONSyntaxError) {
        depth += 1
        if depth > Self.maximumDepth {
            throw error("nesting deeper than \(Self.maximumDepth) levels")
        }
    }

    private mutating func parseLiteral(_ word: StaticString) throws(InputJSONSyntaxError) {
        let start = index
        for byte in UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount) {
            guard index < bytes.count, bytes[index] == byte else {
                index = start
                throw error("expected a value, found \(found)")
            }
            index += 1
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, returned as text.
    private mutating func parseNumber() throws(InputJSONSyntaxError) -> String {
        let start = index
        if peek == UInt8(ascii: "-") { index += 1 }
        guard let first = peek, isDigit(first) else {
            throw error("expected a digit after '-', found \(found)")
        }
        index += 1
        if first == UInt8(ascii: "0"), let next = peek, isDigit(next) {
            throw error("a number must not have a leading zero")
        }
        skipDigits()
        if peek == UInt8(ascii: ".") {
            index += 1
            guard let next = peek, isDigit(next) else {
                throw error("expected a digit after the decimal point, found \(found)")
            }
            skipDigits()
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            index += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
            guard let next = peek, isDigit(next) else {
                throw error("expected a digit in the exponent, found \(found)")
            }
            skipDigits()
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func parseString() throws(InputJSONSyntaxError) -> String {
        index += 1  // opening quote
        // Fast path: most strings have no escapes and decode in one go.
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return String(decoding: bytes[start..<(index - 1)], as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { break }
            index += 1
        }
        index = start
        var scalars = String.UnicodeScalarView()
        var runStart = index
        func flushRun(_ end: Int) {
            if runStart < end { scalars.append(contentsOf: String(decoding: bytes[runStart..<end], as: UTF8.self).unicodeScalars) }
        }
        while true {
            guard index < bytes.count else {
                throw error("unexpected end of input inside a string")
            }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                flushRun(index)
                index += 1
                return String(scalars)
            case UInt8(ascii: "\\"):
                flushRun(index)
                scalars.append(try parseEscape())
                runStart = index
            case 0..<0x20:
                throw error("control character \(scalarName(UInt32(byte))) in a string must be escaped")
            default:
                index += 1
            }
        }
    }

    /// Reads one escape sequence. Unpaired surrogates become U+FFFD, as Go decodes them.
    private mutating func parseEscape() throws(InputJSONSyntaxError) -> Unicode.Scalar {
        let escapeStart = index
        index += 1  // backslash
        guard let letter = peek else { throw error("unexpected end of input inside a string") }
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
                        let value = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                        return Unicode.Scalar(value) ?? "\u{FFFD}"
                    }
                }
                index = save
                return "\u{FFFD}"
            }
            return Unicode.Scalar(high) ?? "\u{FFFD}"
        default:
            index = escapeStart
            throw error("invalid escape sequence '\\\(String(decoding: [letter], as: UTF8.self))' in a string")
        }
    }

    private mutating func parseHex4() throws(InputJSONSyntaxError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = peek, let digit = hexValue(byte) else {
                throw error("expected four hex digits after '\\u', found \(found)")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    // MARK: Bytes

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while let byte = peek,
              byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
              || byte == UInt8(ascii: "\t") {
            index += 1
        }
    }

    private mutating func skipDigits() {
        while let byte = peek, isDigit(byte) { index += 1 }
    }

    private func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    private func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// The character at the current position, for messages: `'x'`, `U+00A0`, or `end of input`.
    private var found: String {
        guard index < bytes.count else { return "end of input" }
        let byte = bytes[index]
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        if byte < 0x80 { return scalarName(UInt32(byte)) }
        let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1
        let end = min(index + length, bytes.count)
        var decoder = UTF8()
        var iterator = bytes[index..<end].makeIterator()
        if case .scalarValue(let scalar) = decoder.decode(&iterator) { return scalarName(scalar.value) }
        return "the byte 0x\(String(byte, radix: 16, uppercase: true)), which is not UTF-8"
    }

    private func scalarName(_ value: UInt32) -> String {
        let hex = String(value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    private func error(_ reason: String) -> InputJSONSyntaxError {
        let (line, column) = InputTextPosition.lineAndColumn(of: index, in: bytes)
        return InputJSONSyntaxError(offset: index, line: line, column: column, reason: reason)
    }
}
