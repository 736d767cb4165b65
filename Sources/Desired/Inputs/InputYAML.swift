import Yams

/// Reads a YAML document (as `kubectl get … -o yaml` prints it) into the same `InputJSON` tree
/// the JSON readers use, so one set of field readers serves both. The lease sources read a
/// kubeconfig through it (package access), so every YAML the tool reads is guarded the same way.
package enum InputYAML {
    package static func parse(_ bytes: [UInt8], path: InputPath) throws(InputError) -> InputJSON {
        let text = String(decoding: bytes, as: UTF8.self)
        // The text Yams will parse (invalid UTF-8 replaced), so the scan sees what Yams sees.
        if let refusal = YAMLPreScan.check(Array(text.utf8)) {
            throw path.error(.malformed, "at line \(refusal.line), column \(refusal.column): \(refusal.reason)")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw path.error(.malformed, describe(error))
        } catch {
            throw path.error(.malformed, "malformed YAML: \(error)")
        }
        guard let root else { throw path.error(.malformed, "the YAML document is empty") }
        return try convert(root, path: path)
    }

    private static func convert(_ node: Node, path: InputPath) throws(InputError) -> InputJSON {
        switch node {
        case .scalar(let scalar):
            switch node.tag.description {
            case Tag.Name.null.rawValue: return .null
            case Tag.Name.bool.rawValue: return node.bool.map(InputJSON.bool) ?? .string(scalar.string)
            case Tag.Name.int.rawValue, Tag.Name.float.rawValue: return .number(scalar.string)
            default: return .string(scalar.string)
            }
        case .sequence(let sequence):
            var elements: [InputJSON] = []
            for element in sequence { elements.append(try convert(element, path: path)) }
            return .array(elements)
        case .mapping(let mapping):
            var members: [InputJSON.Member] = []
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key else {
                    throw path.error(.malformed, "\(at(key.mark))a mapping key is not a plain scalar")
                }
                members.append(InputJSON.Member(key: keyScalar.string, value: try convert(value, path: path)))
            }
            return .object(members)
        case .alias(let alias):
            throw path.error(.malformed, "\(at(alias.mark))YAML aliases are not supported in this input")
        }
    }

    private static func at(_ mark: Mark?) -> String {
        mark.map { "at line \($0.line), column \($0.column): " } ?? ""
    }

    /// `malformed YAML at line 3, column 1: could not find expected ':' (while scanning a simple key at line 2, column 1)`.
    private static func describe(_ error: YamlError) -> String {
        func message(_ problem: String, _ mark: Mark, _ context: YamlError.Context?) -> String {
            var text = "malformed YAML at line \(mark.line), column \(mark.column): \(problem)"
            if let context {
                text += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
            }
            return text
        }
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            return message(problem, mark, context)
        case let .reader(problem, offset, _, _):
            return "malformed YAML\(offset.map { " at byte \($0)" } ?? ""): \(problem)"
        case let .duplicatedKeysInMapping(duplicates, context):
            // Yams puts the whole document in `context.text`; only its mark is worth quoting.
            let keys = Set(duplicates).sorted().map(\.debugDescription).joined(separator: ", ")
            return "malformed YAML at line \(context.mark.line), column \(context.mark.column): duplicate key \(keys)"
        default:
            return "malformed YAML: \(error)"
        }
    }
}
