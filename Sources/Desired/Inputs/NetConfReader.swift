import InputFiles
import NetState

/// Reads flannel's network configuration the way flanneld does, but refuses anything this tool
/// would get wrong instead of guessing: malformed text, wrong JSON types, values out of range and
/// backends other than vxlan and host-gw.
public enum NetConfReader {
    /// Parses flannel's net-conf.json, or the kube-flannel-cfg ConfigMap (YAML or JSON, as
    /// `kubectl get cm -n kube-flannel kube-flannel-cfg -o yaml|json` prints it), taking its
    /// `data["net-conf.json"]`.
    ///
    /// Text whose first non-blank character is `{` is JSON; anything else is read as YAML. Keys of
    /// net-conf.json match case-insensitively (Go's `encoding/json`); unknown keys are ignored, as
    /// flannel ignores them. The ConfigMap's own keys (`kind`, `data`) are case-sensitive, as in
    /// Kubernetes.
    ///
    /// Text over `InputFileLimit.netConf` is refused whatever it came from: a file is refused
    /// before it is read, and this bounds etcd's `<prefix>/config` value too.
    public static func parse(_ bytes: [UInt8], source: String) throws(InputError) -> NetConf {
        let path = InputPath(source: source)
        guard bytes.count <= InputFileLimit.netConf.bytes else {
            throw InputError(InputFileError(path: source, reason: .overCap(bytes: bytes.count, limit: .netConf)))
        }
        // A byte order mark is skipped only to choose the parser: Go's JSON decoder (so flannel)
        // refuses it, and the JSON parser then says so at line 1, column 1.
        let afterMark = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes.dropFirst(3) : bytes[...]
        guard let first = afterMark.first(where: { !isBlank($0) }) else {
            throw path.error(
                .malformed,
                "the file is empty; expected flannel's net-conf.json or the kube-flannel-cfg ConfigMap")
        }
        let document: InputJSON
        if first == UInt8(ascii: "{") {
            do {
                document = try InputJSONParser.parse(bytes)
            } catch {
                throw path.malformedJSON(error, embedded: false)
            }
        } else {
            document = try InputYAML.parse(bytes, path: path)
        }
        guard case .object(let members) = document else {
            throw path.error(
                .unknownFormat,
                "expected flannel's net-conf.json (a JSON object) or the kube-flannel-cfg ConfigMap, found \(document.summary)")
        }
        let top = InputObject(members: members, path: path)
        if let embedded = try configMapNetConf(top) {
            return try parseNetConfText(embedded)
        }
        guard first == UInt8(ascii: "{") else {
            throw path.error(
                .unknownFormat,
                "YAML input must be the kube-flannel-cfg ConfigMap (kind: ConfigMap with data.net-conf.json); "
                    + "net-conf.json itself is JSON")
        }
        return try decode(top)
    }

    /// The `net-conf.json` entry of a ConfigMap, or nil when `top` is not a ConfigMap. A document
    /// is a ConfigMap when its `kind` says so or when it has a `data` object holding `net-conf.json`.
    private static func configMapNetConf(_ top: InputObject) throws(InputError) -> InputValue? {
        let kind = top.exactField("kind")
        let data = top.exactField("data")
        let isConfigMap: Bool
        if case .string("ConfigMap") = kind?.json {
            isConfigMap = true
        } else if case .object(let dataMembers) = data?.json, dataMembers.contains(where: { $0.key == "net-conf.json" }) {
            isConfigMap = true
        } else {
            isConfigMap = false
        }
        guard isConfigMap else { return nil }
        let entryPath = top.path.appending("data").appending("net-conf.json")
        guard let data else {
            throw entryPath.error(.missingField, "the ConfigMap has no data; expected data.net-conf.json holding flannel's net-conf.json")
        }
        guard let entry = try data.object().exactField("net-conf.json") else {
            throw entryPath.error(.missingField, "the ConfigMap has no net-conf.json entry in data")
        }
        return entry
    }

    /// Parses the JSON text held in a ConfigMap entry; errors name `data.net-conf.json: <field>`.
    private static func parseNetConfText(_ entry: InputValue) throws(InputError) -> NetConf {
        let text = try entry.string()
        let document: InputJSON
        do {
            document = try InputJSONParser.parse(Array(text.utf8))
        } catch {
            throw entry.path.malformedJSON(error, embedded: true)
        }
        let nested = entry.path.nested()
        let value = InputValue(document, at: nested)
        guard case .object = document else {
            throw entry.path.error(.invalidValue, "expected a JSON object holding flannel's net-conf.json, found \(document.summary)")
        }
        return try decode(try value.object())
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\t")
    }
}
