/// The lexical layer of strict RFC 8259 JSON over raw bytes: whitespace, literals, numbers and
/// strings with their escapes, and the wording of what stands at a position. The lease parser
/// (Desired, a document tree) and the snapshot reader (Observed, a pull reader without a tree)
/// share it, so both refuse and word the same text the same way; each wraps a `JSONLexError`
/// into its own error with what it knows (a coding path, the input's name).
public struct JSONLexer {
    public let bytes: UnsafeRawBufferPointer
    public var index: Int

    // The small steps every parser takes per byte or per token are inlinable: across the module
    // boundary each was a call (a node skimmed for its lease spent 14% of its time in two of them).
    @inlinable
    public init(_ bytes: UnsafeRawBufferPointer, index: Int = 0) {
        self.bytes = bytes
        self.index = index
    }

    @inlinable
    public var peek: UInt8? { index < bytes.count ? bytes[index] : nil }
    @inlinable
    public var isAtEnd: Bool { index >= bytes.count }

    @inlinable
    public func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    @inlinable @inline(__always)
    public mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): index += 1
            default: return
            }
        }
    }

    /// `true`, `false` or `null`; anything else is "expected a value", at its first byte.
    public mutating func scanLiteral(_ word: StaticString) throws(JSONLexError) {
        let start = index
        for byte in UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount) {
            guard peek == byte else {
                index = start
                throw error("expected a value, found \(found)")
            }
            index += 1
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`; returns where its text lies.
    public mutating func scanNumber() throws(JSONLexError) -> Range<Int> {
        let start = index
        if peek == UInt8(ascii: "-") { index += 1 }
        guard let first = peek, isDigit(first) else { throw error("expected a digit after '-', found \(found)") }
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
            guard let next = peek, isDigit(next) else { throw error("expected a digit in the exponent, found \(found)") }
            skipDigits()
        }
        return start..<index
    }

    private mutating func skipDigits() {
        while let byte = peek, isDigit(byte) { index += 1 }
    }

    /// The text of `range`, for values and messages.
    public func text(_ range: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// A string, the reader on its opening quote. Unpaired surrogates become U+FFFD, as Go
    /// decodes them.
    public mutating func scanString() throws(JSONLexError) -> String {
        index += 1  // opening quote
        let start = index
        // Fast path: no escapes, decoded in one go (short ones without allocating).
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return text(start..<(index - 1))
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { break }
            index += 1
        }
        var scalars = String.UnicodeScalarView()
        var runStart = start
        func appendRun(upTo end: Int) {
            if runStart < end { scalars.append(contentsOf: text(runStart..<end).unicodeScalars) }
        }
        while true {
            guard index < bytes.count else { throw error("unexpected end of input inside a string") }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                appendRun(upTo: index)
                index += 1
                return String(scalars)
            case UInt8(ascii: "\\"):
                appendRun(upTo: index)
                scalars.append(try scanEscape())
                runStart = index
            case 0..<0x20:
                throw error("control character \(Self.scalarName(UInt32(byte))) in a string must be escaped")
            default:
                index += 1
            }
        }
    }

    private mutating func scanEscape() throws(JSONLexError) -> Unicode.Scalar {
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
            let high = try scanHex4()
            if (0xD800...0xDBFF).contains(high) {
                let save = index
                if peek == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") {
                    index += 2
                    let low = try scanHex4()
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
            throw error("invalid escape sequence '\\\(String(decoding: [letter], as: UTF8.self))' in a string")
        }
    }

    private mutating func scanHex4() throws(JSONLexError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            let digit: UInt32
            switch peek {
            case let byte? where isDigit(byte): digit = UInt32(byte - UInt8(ascii: "0"))
            case let byte? where (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case let byte? where (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw error("expected four hex digits after '\\u', found \(found)")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    /// The character at the position, for messages: `'x'`, `U+00A0`, or `end of input`.
    public var found: String {
        guard index < bytes.count else { return "end of input" }
        let byte = bytes[index]
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        if byte < 0x80 { return Self.scalarName(UInt32(byte)) }
        let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1
        let end = min(index + length, bytes.count)
        var decoder = UTF8()
        var iterator = bytes[index..<end].makeIterator()
        if case .scalarValue(let scalar) = decoder.decode(&iterator) { return Self.scalarName(scalar.value) }
        return "the byte 0x\(String(byte, radix: 16, uppercase: true)), which is not UTF-8"
    }

    public static func scalarName(_ value: UInt32) -> String {
        let hex = String(value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// 1-based line and column of `offset`, as an editor shows them. Lines end at `\n`; the
    /// column counts Unicode scalars (UTF-8 continuation bytes are skipped), as libYAML does.
    public func lineAndColumn(of offset: Int) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        for byte in bytes[..<min(offset, bytes.count)] {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return (line, column)
    }

    /// A lexical error at the position.
    public func error(_ reason: String) -> JSONLexError { JSONLexError(offset: index, reason: reason) }
}

/// What is wrong with JSON text, and at which byte.
public struct JSONLexError: Error, Sendable {
    public var offset: Int
    public var reason: String

    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }
}
