import Testing

@testable import Desired

/// Refusals of the kube-flannel-cfg ConfigMap: errors inside the embedded net-conf.json are named
/// `data.net-conf.json: <field>`, and malformed YAML says where.
@Suite("NetConfReader: ConfigMap refusals")
struct NetConfConfigMapErrorTests {
    private func refusal(_ text: String) -> InputError? {
        caughtInputError { () throws(InputError) in try NetConfReader.parse(text.bytes, source: "cm.yaml") }
    }

    /// The seed's ConfigMap with its net-conf.json replaced.
    private func configMap(netConf: String) -> String {
        let indented = netConf.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }
        return (["kind: ConfigMap", "apiVersion: v1", "metadata:", "  name: kube-flannel-cfg", "data:", "  net-conf.json: |"]
            + indented).joined(separator: "\n") + "\n"
    }

    @Test("an unsupported backend inside the ConfigMap names data.net-conf.json: Backend.Type")
    func embeddedUnsupportedBackend() {
        let error = refusal(configMap(netConf: "{\n  \"Network\": \"10.244.0.0/16\",\n  \"Backend\": {\"Type\": \"udp\"}\n}"))
        #expect(error?.code == .unsupportedBackend)
        #expect(error?.field == "data.net-conf.json: Backend.Type")
        #expect(
            error?.description
                == "cm.yaml: data.net-conf.json: Backend.Type: backend \"udp\" is not supported; only vxlan and host-gw are supported")
    }

    @Test("a wrong type inside the ConfigMap names the embedded field")
    func embeddedWrongType() {
        let error = refusal(configMap(netConf: "{\"Network\": \"10.244.0.0/16\", \"Backend\": {\"Type\": \"vxlan\", \"VNI\": \"1\"}}"))
        #expect(error?.code == .invalidValue)
        #expect(
            error?.description
                == "cm.yaml: data.net-conf.json: Backend.VNI: expected an integer from 0 to 16777215, found the string \"1\"")
    }

    @Test("malformed embedded JSON says where, relative to the embedded text")
    func embeddedMalformed() {
        let error = refusal(configMap(netConf: "{\n  \"Network\": \"10.244.0.0/16\"\n  \"Backend\": {\"Type\": \"vxlan\"}\n}"))
        #expect(error?.code == .malformed)
        #expect(
            error?.description
                == "cm.yaml: data.net-conf.json: malformed JSON at line 3, column 3 of the embedded text: "
                + "expected ',' or '}' after an object member, found '\"'")
    }

    @Test("a ConfigMap without data, or without the net-conf.json entry")
    func missingEntry() {
        let noData = refusal("kind: ConfigMap\napiVersion: v1\nmetadata:\n  name: kube-flannel-cfg\n")
        #expect(noData?.code == .missingField)
        #expect(
            noData?.description
                == "cm.yaml: data.net-conf.json: the ConfigMap has no data; expected data.net-conf.json holding flannel's net-conf.json")
        let noEntry = refusal("kind: ConfigMap\ndata:\n  cni-conf.json: '{}'\n")
        #expect(noEntry?.code == .missingField)
        #expect(noEntry?.description == "cm.yaml: data.net-conf.json: the ConfigMap has no net-conf.json entry in data")
    }

    @Test("the net-conf.json entry must be a string")
    func entryNotAString() {
        let error = refusal("kind: ConfigMap\ndata:\n  net-conf.json:\n    Network: 10.244.0.0/16\n")
        #expect(error?.code == .invalidValue)
        #expect(error?.description == "cm.yaml: data.net-conf.json: expected a string, found an object")
    }

    @Test("the embedded text must hold an object")
    func embeddedNotAnObject() {
        let error = refusal("kind: ConfigMap\ndata:\n  net-conf.json: '[]'\n")
        #expect(error?.code == .invalidValue)
        #expect(
            error?.description
                == "cm.yaml: data.net-conf.json: expected a JSON object holding flannel's net-conf.json, found an array")
    }

    @Test("malformed YAML says the line and column")
    func malformedYAML() {
        let error = refusal("kind: ConfigMap\ndata:\n  net-conf.json: |\n    {}\n bad: [\n")
        #expect(error?.code == .malformed)
        #expect(
            error?.description
                == "cm.yaml: malformed YAML at line 5, column 2: did not find expected key "
                + "(while parsing a block mapping at line 1, column 1)")
        let tab = refusal("kind: ConfigMap\ndata:\n\tnet-conf.json: '{}'\n")
        #expect(tab?.code == .malformed)
        #expect(
            tab?.description
                == "cm.yaml: malformed YAML at line 3, column 1: found character that cannot start any token "
                + "(while scanning for the next token at line 3, column 1)")
    }

    @Test("several YAML documents, or a duplicate key, are refused with their place")
    func yamlStructure() {
        let twoDocuments = refusal("kind: ConfigMap\n---\nkind: ConfigMap\n")
        #expect(twoDocuments?.code == .malformed)
        #expect(
            twoDocuments?.description
                == "cm.yaml: malformed YAML at line 2, column 1: but found another document "
                + "(expected a single document in the stream at line 1, column 1)")
        let duplicate = refusal("kind: ConfigMap\ndata: {net-conf.json: '{}'}\ndata: {}\n")
        #expect(duplicate?.code == .malformed)
        #expect(duplicate?.description == "cm.yaml: malformed YAML at line 2, column 1: duplicate key \"data\"")
    }

    @Test("a net-conf.json with a byte order mark is refused as JSON, as Go refuses it")
    func byteOrderMark() {
        let error = refusal("\u{FEFF}{\"Network\": \"10.244.0.0/16\", \"Backend\": {\"Type\": \"vxlan\"}}")
        #expect(error?.code == .malformed)
        #expect(error?.description == "cm.yaml: malformed JSON at line 1, column 1: expected a value, found U+FEFF")
    }

    @Test("YAML that is not a ConfigMap is refused: net-conf.json itself is JSON")
    func yamlNotConfigMap() {
        let error = refusal("Network: 10.244.0.0/16\nBackend:\n  Type: vxlan\n")
        #expect(error?.code == .unknownFormat)
        #expect(
            error?.description
                == "cm.yaml: YAML input must be the kube-flannel-cfg ConfigMap (kind: ConfigMap with data.net-conf.json); "
                + "net-conf.json itself is JSON")
    }

    @Test("a JSON ConfigMap's embedded errors are named the same way")
    func jsonConfigMapEmbedded() {
        let json = #"{"kind": "ConfigMap", "data": {"net-conf.json": "{\"Backend\": {\"Type\": \"vxlan\"}}"}}"#
        let error = caughtInputError { () throws(InputError) in try NetConfReader.parse(json.bytes, source: "cm.json") }
        #expect(error?.code == .missingField)
        #expect(
            error?.description
                == "cm.json: data.net-conf.json: Network: required when EnableIPv4 is true: an IPv4 CIDR such as \"10.244.0.0/16\"")
    }
}
