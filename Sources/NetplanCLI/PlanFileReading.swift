import Foundation
import JSONLexing

/// The reading half of `PlanDocument.load`, worded for an operator: a plan file that is
/// truncated, is not JSON, or lacks a field is refused with the file's name and what is wrong in
/// plain words (`the JSON ends early at byte 812`, `missing field changes[3].after`), never a
/// Swift `DecodingError` dump.
public enum PlanFile {
    /// Decodes a plan file's bytes as `apply --plan` does, throwing the operator's message
    /// (without the path). Public for the fuzz target.
    public static func check(_ bytes: [UInt8]) throws(PlanFileError) {
        _ = try decode(bytes)
    }

    static func decode(_ bytes: [UInt8]) throws(PlanFileError) -> PlanDocument {
        if let problem = syntaxProblem(bytes) { throw PlanFileError(reason: problem) }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(PlanDocument.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw PlanFileError(reason: describe(error))
        } catch {
            throw PlanFileError(reason: "\(error)")
        }
    }

    /// `changes[3].after`, from a decoding path.
    static func field(_ path: [any CodingKey]) -> String {
        var text = ""
        for key in path {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += (text.isEmpty ? "" : ".") + key.stringValue
            }
        }
        return text
    }

    static func describe(_ error: DecodingError) -> String {
        func at(_ context: DecodingError.Context) -> String {
            let place = field(context.codingPath)
            return place.isEmpty ? "the top level" : place
        }
        switch error {
        case let .keyNotFound(key, context):
            return "missing field \(field(context.codingPath + [key]))"
        case let .valueNotFound(type, context):
            return "\(at(context)): null where \(typeName(type)) was expected"
        case let .typeMismatch(type, context):
            return "\(at(context)): expected \(typeName(type))"
        case let .dataCorrupted(context):
            return "\(at(context)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type, is UInt32.Type, is UInt8.Type, is UInt16.Type, is Int64.Type: return "an integer"
        case is Bool.Type: return "true or false"
        default:
            let name = "\(type)"
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "a \(name)"
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
