import CYaml

/// Refuses YAML that would be costly to compose, before Yams builds anything.
///
/// `Yams.compose` resolves every alias to its anchored node, and turning that into an
/// `InputJSON` tree copies each one: a 372-byte "billion laughs" document took 310 MB, a slightly
/// bigger one was killed for memory. Nothing flannel reads needs anchors or aliases (kubectl
/// never prints them), so both are refused. Composing is also recursive, so nesting is bounded.
///
/// The check runs libyaml's scanner, the same one Yams parses with, token by token: an `&` or
/// `*` inside a quoted or block scalar (a `net-conf.json: |` entry) is part of a scalar token and
/// is never mistaken for an anchor. Memory is the scanner's, bounded by the text; time is linear.
enum YAMLPreScan {
    /// Deeper nesting than this is refused: Yams composes recursively, and a ConfigMap is 3 deep.
    static let maximumDepth = 100

    /// A refusal: what was found and where (1-based, as Yams reports positions).
    struct Refusal: Error, Equatable {
        var line: Int
        var column: Int
        var reason: String
    }

    /// Scans `utf8`; nil when nothing is refused. A scanner error ends the scan without a
    /// refusal: Yams meets the same error at the same place (or earlier) and words it, and it
    /// never reads past it.
    static func check(_ utf8: [UInt8]) -> Refusal? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        return utf8.withUnsafeBufferPointer { buffer -> Refusal? in
            guard let base = buffer.baseAddress else { return nil }
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            yaml_parser_set_input_string(&parser, base, buffer.count)
            var depth = 0
            while true {
                var token = yaml_token_t()
                guard yaml_parser_scan(&parser, &token) == 1 else { return nil }
                defer { yaml_token_delete(&token) }
                let mark = token.start_mark
                func refusal(_ reason: String) -> Refusal {
                    Refusal(line: Int(mark.line) + 1, column: Int(mark.column) + 1, reason: reason)
                }
                switch token.type {
                case YAML_STREAM_END_TOKEN, YAML_NO_TOKEN:
                    return nil
                case YAML_ALIAS_TOKEN:
                    return refusal("YAML aliases are not supported in this input")
                case YAML_ANCHOR_TOKEN:
                    return refusal("YAML anchors are not supported in this input")
                case YAML_BLOCK_SEQUENCE_START_TOKEN, YAML_BLOCK_MAPPING_START_TOKEN,
                    YAML_FLOW_SEQUENCE_START_TOKEN, YAML_FLOW_MAPPING_START_TOKEN:
                    depth += 1
                    if depth > maximumDepth { return refusal("nesting deeper than \(maximumDepth) levels") }
                case YAML_BLOCK_END_TOKEN, YAML_FLOW_SEQUENCE_END_TOKEN, YAML_FLOW_MAPPING_END_TOKEN:
                    depth -= 1
                default:
                    break
                }
            }
        }
    }
}
