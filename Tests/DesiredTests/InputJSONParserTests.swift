import Testing

@testable import Desired

@Suite("InputJSONParser: strict JSON with positions")
struct InputJSONParserTests {
    private func parse(_ text: String) throws(InputJSONSyntaxError) -> InputJSON {
        try InputJSONParser.parse(Array(text.utf8))
    }

    private func failure(_ text: String) -> InputJSONSyntaxError? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return error
        }
    }

    /// Found by netplan-fuzz: a kubeconfig that was one long YAML string was refused with the
    /// whole string in the message (61 KB of it; a kubeconfig may be 1 MB), as was any field of
    /// the wrong type in every reader. A value is now quoted by its first 80 characters.
    @Test("a value named in a message is bounded")
    func summaryIsBounded() throws {
        let long = String(repeating: "x", count: 1 << 20)
        #expect(InputJSON.string(long).summary == "the string \(String(repeating: "x", count: 80).debugDescription)… (1048576 bytes)")
        #expect(InputJSON.number(String(repeating: "9", count: 5000)).summary.utf8.count < 150)
        #expect(InputJSON.string(String(repeating: "y", count: 100)).summary == "the string \(String(repeating: "y", count: 100).debugDescription)")
        #expect(InputJSON.number("1e400").summary == "the number 1e400")
    }

    /// Found by netplan-fuzz: a key without its ':' was quoted whole (25 KB in a watch line).
    @Test("a key named in a syntax error is bounded")
    func keyInErrorIsBounded() {
        let key = String(repeating: "k", count: 50_000)
        #expect((failure("{\"\(key)\" 1}")?.reason.utf8.count ?? .max) < 200)
        #expect(failure(#"{"a" 1}"#)?.reason == #"expected ':' after the key "a", found '1'"#)
    }

    @Test("values, member order, duplicates and number text are kept")
    func values() throws {
        let value = try parse(#" {"b": [true, false, null], "a": -0.5e+3, "b": "x", "c": {}, "d": []} "#)
        #expect(
            value
                == .object([
                    .init(key: "b", value: .array([.bool(true), .bool(false), .null])),
                    .init(key: "a", value: .number("-0.5e+3")),
                    .init(key: "b", value: .string("x")),
                    .init(key: "c", value: .object([])),
                    .init(key: "d", value: .array([])),
                ]))
        #expect(try parse("14841639068965178418") == .number("14841639068965178418"))
    }

    @Test("string escapes, surrogate pairs, and lone surrogates replaced as Go does")
    func strings() throws {
        #expect(try parse(#""a\"b\\c\/d\b\f\n\r\t\u00e9\u20AC""#) == .string("a\"b\\c/d\u{08}\u{0C}\n\r\té€"))
        #expect(try parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try parse(#""\ud83dx""#) == .string("\u{FFFD}x"))
        #expect(try parse(#""\ude00""#) == .string("\u{FFFD}"))
        #expect(try parse("\"é ok\"") == .string("é ok"))
    }

    @Test("what Go refuses is refused, with line and column", arguments: [
        ("[1,2,]", "line 1, column 6: expected a value, found ']'"),
        ("{\"a\":1,}", "line 1, column 8: expected a string key, found '}'"),
        ("{'a':1}", "line 1, column 2: expected a string key, found '''"),
        ("{\"a\" 1}", "line 1, column 6: expected ':' after the key \"a\", found '1'"),
        ("[01]", "line 1, column 3: a number must not have a leading zero"),
        ("[1.]", "line 1, column 4: expected a digit after the decimal point, found ']'"),
        ("[1e]", "line 1, column 4: expected a digit in the exponent, found ']'"),
        ("[-]", "line 1, column 3: expected a digit after '-', found ']'"),
        ("[+1]", "line 1, column 2: expected a value, found '+'"),
        ("[.5]", "line 1, column 2: expected a value, found '.'"),
        ("[tru]", "line 1, column 2: expected a value, found 't'"),
        ("[NaN]", "line 1, column 2: expected a value, found 'N'"),
        ("\"a\tb\"", "line 1, column 3: control character U+0009 in a string must be escaped"),
        ("\"\\x\"", "line 1, column 2: invalid escape sequence '\\x' in a string"),
        ("\"\\u12g4\"", "line 1, column 6: expected four hex digits after '\\u', found 'g'"),
        ("\"abc", "line 1, column 5: unexpected end of input inside a string"),
        ("{} {}", "line 1, column 4: unexpected '{' after the end of the JSON value"),
        ("", "line 1, column 1: no JSON value: the text is empty"),
        ("\u{FEFF}{}", "line 1, column 1: expected a value, found U+FEFF"),
        ("{\n  \"é\": \u{A0}1}", "line 2, column 8: expected a value, found U+00A0"),
        ("[1,\r\n 2\r\n 3]", "line 3, column 2: expected ',' or ']' after an array element, found '3'"),
    ])
    func refusals(_ text: String, _ expected: String) {
        #expect(failure(text)?.description == expected)
    }

    @Test("the byte offset is kept with the line and column")
    func offset() {
        let error = failure("{\"a\": 1,\n \"b\": x}")
        #expect(error?.offset == 15)
        #expect(error?.line == 2)
        #expect(error?.column == 7)
    }

    @Test("deep nesting is refused instead of overflowing the stack")
    func depth() throws {
        let deep = String(repeating: "[", count: InputJSONParser.maximumDepth) + String(repeating: "]", count: InputJSONParser.maximumDepth)
        #expect(throws: Never.self) { try parse(deep) }
        let tooDeep = String(repeating: "[", count: InputJSONParser.maximumDepth + 1)
        #expect(failure(tooDeep)?.description == "line 1, column 513: nesting deeper than 512 levels")
    }

    @Test("invalid UTF-8 outside strings is named as a byte")
    func invalidUTF8() {
        let error: InputJSONSyntaxError?
        do {
            _ = try InputJSONParser.parse([UInt8(ascii: "["), 0xFF, UInt8(ascii: "]")])
            error = nil
        } catch let caught {
            error = caught
        }
        #expect(error?.description == "line 1, column 2: expected a value, found the byte 0xFF, which is not UTF-8")
    }
}
