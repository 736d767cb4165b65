import JSONLexing

/// The reading of plan files (`apply --plan`), worded for an operator: a plan file that is
/// truncated, is not JSON, or lacks a field is refused in plain words (`the JSON ends early at
/// byte 812`, `missing field changes[3].after`), never a dump of the reader's state. The
/// document is read with its field table (`PlanDocument.format`); only when that fails is the
/// syntax checked over the whole file, so a truncated file is told apart from a wrong one
/// without a second pass over every file that reads fine.
public enum PlanFile {
    /// Reads a plan file's bytes as `apply --plan` does, throwing the operator's message
    /// (without the path). The format version is the caller's to check.
    public static func decode(_ bytes: [UInt8]) throws(PlanFileError) -> PlanDocument {
        let result: Result<PlanDocument, JSONReadError> = bytes.withUnsafeBytes { raw in
            Result { () throws(JSONReadError) -> PlanDocument in
                var reader = JSONTextReader(raw, keyStyle: .snakeCase)
                let document = try reader.read(PlanDocument.format)
                try reader.finish()
                return document
            }
        }
        switch result {
        case let .success(document): return document
        case let .failure(error):
            if let problem = syntaxProblem(bytes) { throw PlanFileError(reason: problem) }
            throw PlanFileError(reason: describe(error))
        }
    }

    /// `missing field changes[3].kind`, `changes: expected an array`, `node.lease: not an IPv4
    /// prefix: 10.244.1.7/24`.
    static func describe(_ error: JSONReadError) -> String {
        var place = ""
        for component in error.path {
            switch component {
            case let .index(offset): place += "[\(offset)]"
            case let .key(name): place += (place.isEmpty ? "" : ".") + name
            }
        }
        let at = place.isEmpty ? "the top level" : place
        switch error.kind {
        case let .missingKey(key): return "missing field \(place.isEmpty ? key : place + "." + key)"
        case let .typeMismatch(expected, foundNull): return foundNull ? "\(at): null where \(expected) was expected" : "\(at): expected \(expected)"
        case .invalid, .syntax: return "\(at): \(error.reason)"
        }
    }

    /// Checks the JSON syntax without building anything (iteratively: no recursion to exhaust
    /// on deep nesting), so a truncated file is told apart from a wrong one, with its place.
    static func syntaxProblem(_ bytes: [UInt8]) -> String? {
        bytes.withUnsafeBytes { raw -> String? in
            var lexer = JSONLexer(raw)
            do throws(JSONLexError) {
                try scanDocument(&lexer)
                return nil
            } catch {
                if error.offset >= raw.count {
                    return "the JSON ends early at byte \(raw.count)"
                }
                let (line, column) = lexer.lineAndColumn(of: error.offset)
                return "malformed JSON at line \(line), column \(column) (byte \(error.offset)): \(error.reason)"
            }
        }
    }

    private static func scanDocument(_ lexer: inout JSONLexer) throws(JSONLexError) {
        /// `true` for an object (whose members need a key), `false` for an array.
        var open: [Bool] = []
        lexer.skipWhitespace()
        if lexer.isAtEnd { throw lexer.error("the file is empty") }
        var expectValue = true
        while true {
            lexer.skipWhitespace()
            if expectValue {
                guard let byte = lexer.peek else { throw lexer.error("unexpected end") }
                switch byte {
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    lexer.index += 1
                    lexer.skipWhitespace()
                    let isObject = byte == UInt8(ascii: "{")
                    let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
                    if lexer.peek == close {
                        lexer.index += 1
                        expectValue = false
                        continue
                    }
                    open.append(isObject)
                    if open.count > 512 { throw lexer.error("nesting deeper than 512 levels") }
                    if isObject { try scanKey(&lexer) }
                    continue
                case UInt8(ascii: "\""): _ = try lexer.scanString()
                case UInt8(ascii: "t"): try lexer.scanLiteral("true")
                case UInt8(ascii: "f"): try lexer.scanLiteral("false")
                case UInt8(ascii: "n"): try lexer.scanLiteral("null")
                case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): _ = try lexer.scanNumber()
                default: throw lexer.error("expected a value, found \(lexer.found)")
                }
                expectValue = false
                continue
            }
            guard let isObject = open.last else {
                if !lexer.isAtEnd { throw lexer.error("unexpected \(lexer.found) after the end of the JSON value") }
                return
            }
            guard let byte = lexer.peek else { throw lexer.error("unexpected end") }
            if byte == UInt8(ascii: ",") {
                lexer.index += 1
                if isObject { try scanKey(&lexer) }
                expectValue = true
            } else if byte == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                lexer.index += 1
                open.removeLast()
            } else {
                throw lexer.error("expected ',' or '\(isObject ? "}" : "]")', found \(lexer.found)")
            }
        }
    }

    /// `"key" :` inside an object.
    private static func scanKey(_ lexer: inout JSONLexer) throws(JSONLexError) {
        lexer.skipWhitespace()
        guard lexer.peek == UInt8(ascii: "\"") else {
            if lexer.isAtEnd { throw lexer.error("unexpected end") }
            throw lexer.error("expected a member name, found \(lexer.found)")
        }
        _ = try lexer.scanString()
        lexer.skipWhitespace()
        guard lexer.peek == UInt8(ascii: ":") else {
            if lexer.isAtEnd { throw lexer.error("unexpected end") }
            throw lexer.error("expected ':', found \(lexer.found)")
        }
        lexer.index += 1
    }
}

/// A plan file that cannot be read as one; `reason` is in plain words, without the path.
public struct PlanFileError: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}
