import Foundation
import Testing

@testable import Desired

/// Every lease refusal with its exact text (effectively golden): the file, the lease key or node,
/// the field, and what was expected.
@Suite("LeaseReader: refusals")
struct LeaseReaderErrorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var input: String
        var code: InputError.Code
        var message: String
        var testDescription: String { name }
    }

    static let key = "/coreos.com/network/subnets/10.244.1.0-24"
    static let key64 = "L2NvcmVvcy5jb20vbmV0d29yay9zdWJuZXRzLzEwLjI0NC4xLjAtMjQ="

    /// A one-lease keyed object.
    static func keyed(_ lease: String, key: String = key) -> String { #"{"\#(key)": \#(lease)}"# }

    /// A one-node `kubectl get nodes -o json` list.
    static func node(annotations: String, spec: String = #"{"podCIDR": "10.244.9.0/24"}"#) -> String {
        #"{"kind": "List", "items": [{"kind": "Node", "metadata": {"name": "k8s-node9", "annotations": {\#(annotations)}}, "spec": \#(spec)}]}"#
    }

    /// A dual-stack key: `10.244.1.0-24&<half>`, flannel's `MakeSubnetKey` (v0.20.2 `subnet/subnet.go:137–143`).
    static func key6(_ half: String = "fd00:10:244:1::-64") -> String { "/coreos.com/network/subnets/10.244.1.0-24&" + half }

    static func ipv6KeyHalf(_ half: String) -> String {
        "expected the key's IPv6 half (after \"&\") to be a subnet such as fd00:10:244:1::-64 (lower-case hex digits and colons, "
            + "a prefix length of 0 to 127, no host bits set, as flannel's ParseSubnetKey reads it), found \(half.debugDescription)"
    }

    static let vxlan = #"{"PublicIP": "172.22.0.9", "PublicIPv6": "fd00::9", "BackendType": "vxlan", "BackendData": {"VNI": 1, "VtepMAC": "6e:2c:7d:1b:8f:3a"}, "BackendV6Data": {"VNI": 1, "VtepMAC": "b2:4e:91:0a:c7:15"}}"#

    static let dualStack = #"{"podCIDR": "10.244.9.0/24", "podCIDRs": ["10.244.9.0/24", "fd00:10:244:9::/64"]}"#

    static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    static let managed = #""flannel.alpha.coreos.com/kube-subnet-manager": "true""#
    static let ip = #""flannel.alpha.coreos.com/public-ip": "172.22.0.9""#

    static let cases: [Case] = [
        // Shape.
        Case(
            name: "malformed JSON", input: "{\"kvs\": [\n  {\"key\": \"a\"}\n  {\"key\": \"b\"}\n]}",
            code: .malformed,
            message: "leases.json: malformed JSON at line 3, column 3: expected ',' or ']' after an array element, found '{'"),
        Case(
            name: "unrecognised object", input: #"{"leases": [], "network": "10.244.0.0/16"}"#,
            code: .unknownFormat,
            message: "leases.json: an object with keys \"leases\", \"network\"; expected one of: "
                + "(1) `etcdctl get /coreos.com/network/subnets --prefix -w json` output "
                + "({\"header\": …, \"kvs\": [{\"key\": base64, \"value\": base64}, …]}); "
                + "(2) a JSON object {\"/coreos.com/network/subnets/10.244.1.0-24\": {lease}, …}; "
                + "(3) `kubectl get nodes -o json` output ({\"kind\": \"List\", \"items\": [node, …]})"),
        Case(
            name: "a kind that is not a node list", input: #"{"kind": "ConfigMap", "data": {}}"#,
            code: .unknownFormat,
            message: "leases.json: kind: expected \"List\", \"NodeList\" or \"Node\" (`kubectl get nodes -o json`), found \"ConfigMap\""),
        // etcdctl.
        Case(
            name: "etcdctl output truncated by --limit", input: #"{"header": {}, "kvs": [], "more": true, "count": 9}"#,
            code: .invalidValue,
            message: "leases.json: more: true: the etcdctl output is truncated (was --limit given?); every lease is needed, "
                + "or the peers left out would be planned for removal"),
        Case(
            name: "etcdctl key not base64", input: #"{"header": {}, "kvs": [{"key": "/coreos.com/network/subnets/10.244.1.0-24", "value": "e30="}]}"#,
            code: .invalidValue,
            message: "leases.json: kvs[0].key: expected base64 text (etcdctl -w json prints keys and values in base64), "
                + "found the string \"/coreos.com/network/subnets/10.244.1.0-24\""),
        Case(
            name: "etcdctl value not base64", input: #"{"kvs": [{"key": "\#(key64)", "value": "{\"PublicIP\": 1}"}]}"#,
            code: .invalidValue,
            message: "leases.json: /coreos.com/network/subnets/10.244.1.0-24: value: expected base64 text "
                + "(etcdctl -w json prints keys and values in base64), found the string \"{\\\"PublicIP\\\": 1}\""),
        Case(
            name: "etcdctl value missing", input: #"{"kvs": [{"key": "\#(key64)"}]}"#,
            code: .missingField,
            message: "leases.json: /coreos.com/network/subnets/10.244.1.0-24: the etcd value is empty; expected the lease JSON"),
        Case(
            name: "etcdctl value is truncated lease JSON", input: #"{"kvs": [{"key": "\#(key64)", "value": "eyJQdWJsaWNJUCI6IjE3Mi4yMi4xLjE3NiI="}]}"#,
            code: .malformed,
            message: "leases.json: /coreos.com/network/subnets/10.244.1.0-24: malformed JSON at line 1, column 27 of the embedded text: "
                + "unexpected end of input, expected ',' or '}' after an object member"),
        Case(
            name: "etcdctl lease with a bad PublicIP", input: #"{"kvs": [{"key": "\#(key64)", "value": "eyJQdWJsaWNJUCI6IjEuMi4zIiwiUHVibGljSVB2NiI6bnVsbCwiQmFja2VuZFR5cGUiOiJ2eGxhbiJ9"}]}"#,
            code: .invalidValue,
            message: "leases.json: /coreos.com/network/subnets/10.244.1.0-24: PublicIP: expected an IPv4 address such as \"192.168.64.3\", "
                + "found the string \"1.2.3\""),
        // Lease JSON (keyed object).
        Case(
            name: "PublicIP missing", input: keyed(#"{"BackendType": "vxlan"}"#),
            code: .missingField,
            message: "leases.json: /coreos.com/network/subnets/10.244.1.0-24: PublicIP: required: the node's IPv4 address, such as \"192.168.64.3\""),
        Case(
            name: "PublicIP a number", input: keyed(#"{"PublicIP": 3232235523}"#),
            code: .invalidValue,
            message: "leases.json: /coreos.com/network/subnets/10.244.1.0-24: PublicIP: expected a string, found the number 3232235523"),
        Case(
            name: "unsupported lease backend", input: keyed(#"{"PublicIP": "172.22.1.176", "BackendType": "udp"}"#),
            code: .unsupportedBackend,
            message: "leases.json: /coreos.com/network/subnets/10.244.1.0-24: BackendType: backend \"udp\" is not supported; "
                + "only vxlan and host-gw are supported"),
        Case(
            name: "lease BackendType compared exactly, as flannel does", input: keyed(#"{"PublicIP": "172.22.1.176", "backendtype": "VXLAN"}"#),
            code: .unsupportedBackend,
            message: "leases.json: /coreos.com/network/subnets/10.244.1.0-24: BackendType: backend \"VXLAN\" is not supported; "
                + "only vxlan and host-gw are supported"),
        Case(
            name: "VtepMAC does not parse", input: keyed(#"{"PublicIP": "172.22.1.176", "BackendType": "vxlan", "BackendData": {"VNI": 1, "VtepMAC": "c6:d2:32:6f:8f"}}"#),
            code: .invalidValue,
            message: "leases.json: /coreos.com/network/subnets/10.244.1.0-24: BackendData.VtepMAC: expected a MAC address such as "
                + "\"c6:d2:32:6f:8f:44\", found the string \"c6:d2:32:6f:8f\""),
        Case(
            name: "BackendData not an object", input: keyed(#"{"PublicIP": "172.22.1.176", "BackendType": "vxlan", "BackendData": "c6:d2:32:6f:8f:44"}"#),
            code: .invalidValue,
            message: "leases.json: /coreos.com/network/subnets/10.244.1.0-24: BackendData: expected an object, found the string \"c6:d2:32:6f:8f:44\""),
        Case(
            name: "lease VNI as a string", input: keyed(#"{"PublicIP": "172.22.1.176", "BackendData": {"VNI": "1"}}"#),
            code: .invalidValue,
            message: "leases.json: /coreos.com/network/subnets/10.244.1.0-24: BackendData.VNI: expected an integer from 0 to 16777215, "
                + "found the string \"1\""),
        Case(
            name: "subnet with host bits in the key", input: keyed(#"{"PublicIP": "172.22.1.176"}"#, key: "/coreos.com/network/subnets/10.244.1.5-24"),
            code: .invalidValue,
            message: "leases.json: /coreos.com/network/subnets/10.244.1.5-24: expected the key to end in an IPv4 subnet such as 10.244.1.0-24, "
                + "found \"10.244.1.5-24\""),
        Case(
            name: "subnet in the key does not parse", input: keyed(#"{"PublicIP": "172.22.1.176"}"#, key: "/coreos.com/network/subnets/10.244.1.0"),
            code: .invalidValue,
            message: "leases.json: /coreos.com/network/subnets/10.244.1.0: expected the key to end in an IPv4 subnet such as 10.244.1.0-24, "
                + "found \"10.244.1.0\""),
        Case(
            name: "lease neither object nor string", input: keyed("42"),
            code: .invalidValue,
            message: "leases.json: /coreos.com/network/subnets/10.244.1.0-24: expected the lease as an object or a JSON string, found the number 42"),
        Case(
            name: "lease string holding malformed JSON", input: keyed(#""{\"PublicIP\": 172.22.1.176}""#),
            code: .malformed,
            message: "leases.json: /coreos.com/network/subnets/10.244.1.0-24: malformed JSON at line 1, column 20 of the embedded text: "
                + "expected ',' or '}' after an object member, found '.'"),
        // kubectl.
        Case(
            name: "managed node without a pod CIDR", input: node(annotations: "\(managed), \(ip)", spec: "{}"),
            code: .missingField,
            message: "leases.json: node/k8s-node9: node \"k8s-node9\" pod cidr not assigned"),
        Case(
            name: "IPv6-only node without public-ipv6", input: node(annotations: "\(managed), \(ip)", spec: #"{"podCIDR": "fd00::/64", "podCIDRs": ["fd00::/64"]}"#),
            code: .missingField,
            message: "leases.json: node/k8s-node9: the annotation flannel.alpha.coreos.com/public-ipv6 is missing; expected the node's IPv6 address"),
        Case(
            name: "pod CIDR does not parse", input: node(annotations: "\(managed), \(ip)", spec: #"{"podCIDR": "10.244.9.0/33"}"#),
            code: .invalidValue,
            message: "leases.json: node/k8s-node9: spec.podCIDR: expected an IPv4 CIDR such as \"10.244.1.0/24\", found the string \"10.244.9.0/33\""),
        Case(
            name: "public-ip annotation missing", input: node(annotations: managed),
            code: .missingField,
            message: "leases.json: node/k8s-node9: the annotation flannel.alpha.coreos.com/public-ip is missing; expected the node's IPv4 address"),
        Case(
            name: "public-ip annotation does not parse", input: node(annotations: #"\#(managed), "flannel.alpha.coreos.com/public-ip": "172.22.0.300""#),
            code: .invalidValue,
            message: "leases.json: node/k8s-node9: metadata.annotations[\"flannel.alpha.coreos.com/public-ip\"]: expected an IPv4 address "
                + "such as \"192.168.64.3\", found the string \"172.22.0.300\""),
        Case(
            name: "unsupported backend-type annotation", input: node(annotations: #"\#(managed), \#(ip), "flannel.alpha.coreos.com/backend-type": "wireguard""#),
            code: .unsupportedBackend,
            message: "leases.json: node/k8s-node9: metadata.annotations[\"flannel.alpha.coreos.com/backend-type\"]: backend \"wireguard\" "
                + "is not supported; only vxlan and host-gw are supported"),
        Case(
            name: "backend-data annotation malformed", input: node(annotations: #"\#(managed), \#(ip), "flannel.alpha.coreos.com/backend-data": "{\"VNI\":1,""#),
            code: .malformed,
            message: "leases.json: node/k8s-node9: metadata.annotations[\"flannel.alpha.coreos.com/backend-data\"]: malformed JSON "
                + "at line 1, column 10 of the embedded text: unexpected end of input, expected a string key"),
        Case(
            name: "backend-data annotation with a bad VtepMAC", input: node(annotations: #"\#(managed), \#(ip), "flannel.alpha.coreos.com/backend-data": "{\"VNI\":1,\"VtepMAC\":\"zz:c6:65:89:b4:e3\"}""#),
            code: .invalidValue,
            message: "leases.json: node/k8s-node9: metadata.annotations[\"flannel.alpha.coreos.com/backend-data\"]: VtepMAC: "
                + "expected a MAC address such as \"c6:d2:32:6f:8f:44\", found the string \"zz:c6:65:89:b4:e3\""),
        // The IPv6 half (issue 14): the `&` half of a key, PublicIPv6, BackendV6Data.
        Case(
            name: "key's IPv6 half in upper case (flannel's pattern is [a-f\\d:])", input: keyed(vxlan, key: key6("FD00:10:244:1::-64")),
            code: .invalidValue,
            message: "leases.json: \(key6("FD00:10:244:1::-64")): " + ipv6KeyHalf("FD00:10:244:1::-64")),
        Case(
            name: "key's IPv6 half -128 (flannel parses the length in 7 bits)", input: keyed(vxlan, key: key6("fd00:10:244:1::-128")),
            code: .invalidValue,
            message: "leases.json: \(key6("fd00:10:244:1::-128")): " + ipv6KeyHalf("fd00:10:244:1::-128")),
        Case(
            name: "key's IPv6 half with host bits set", input: keyed(vxlan, key: key6("fd00:10:244:1::1-64")),
            code: .invalidValue,
            message: "leases.json: \(key6("fd00:10:244:1::1-64")): " + ipv6KeyHalf("fd00:10:244:1::1-64")),
        Case(
            name: "key's IPv6 half empty", input: keyed(vxlan, key: key6("")),
            code: .invalidValue,
            message: "leases.json: \(key6("")): " + ipv6KeyHalf("")),
        Case(
            name: "key's IPv6 half with a dotted tail", input: keyed(vxlan, key: key6("::ffff:10.0.0.0-104")),
            code: .invalidValue,
            message: "leases.json: \(key6("::ffff:10.0.0.0-104")): " + ipv6KeyHalf("::ffff:10.0.0.0-104")),
        Case(
            name: "PublicIPv6 that does not parse", input: keyed(#"{"PublicIP": "172.22.0.9", "PublicIPv6": "fd00::zz"}"#, key: key6()),
            code: .invalidValue,
            message: "leases.json: \(key6()): PublicIPv6: expected an IPv6 address such as \"fd00::11\", found the string \"fd00::zz\""),
        Case(
            name: "PublicIPv6 with a zone (Go's net.ParseIP refuses it)", input: keyed(#"{"PublicIP": "172.22.0.9", "PublicIPv6": "fe80::1%eth0"}"#, key: key6()),
            code: .invalidValue,
            message: "leases.json: \(key6()): PublicIPv6: expected an IPv6 address such as \"fd00::11\", found the string \"fe80::1%eth0\""),
        Case(
            name: "PublicIPv6 not a string, on a key without an IPv6 half (Go decodes every field)", input: keyed(#"{"PublicIP": "172.22.0.9", "PublicIPv6": 6}"#),
            code: .invalidValue,
            message: "leases.json: /coreos.com/network/subnets/10.244.1.0-24: PublicIPv6: expected a string, found the number 6"),
        Case(
            name: "BackendV6Data not an object", input: keyed(#"{"PublicIP": "172.22.0.9", "PublicIPv6": "fd00::9", "BackendType": "vxlan", "BackendV6Data": "x"}"#, key: key6()),
            code: .invalidValue,
            message: "leases.json: \(key6()): BackendV6Data: expected an object, found the string \"x\""),
        Case(
            name: "BackendV6Data with a bad VtepMAC", input: keyed(#"{"PublicIP": "172.22.0.9", "PublicIPv6": "fd00::9", "BackendV6Data": {"VNI": 1, "VtepMAC": "b2:4e:91:0a:c7"}}"#, key: key6()),
            code: .invalidValue,
            message: "leases.json: \(key6()): BackendV6Data.VtepMAC: expected a MAC address such as \"c6:d2:32:6f:8f:44\", found the string \"b2:4e:91:0a:c7\""),
        Case(
            name: "BackendV6Data with a VNI out of range", input: keyed(#"{"PublicIP": "172.22.0.9", "PublicIPv6": "fd00::9", "BackendV6Data": {"VNI": 16777216, "VtepMAC": "b2:4e:91:0a:c7:15"}}"#, key: key6()),
            code: .invalidValue,
            message: "leases.json: \(key6()): BackendV6Data.VNI: expected an integer from 0 to 16777215, found the number 16777216"),
        Case(
            name: "etcdctl: a dual-stack key whose PublicIPv6 does not parse",
            input: #"{"kvs": [{"key": "\#(base64(key6()))", "value": "\#(base64(#"{"PublicIP":"172.22.0.9","PublicIPv6":"fd00:::9","BackendType":"vxlan"}"#))"}]}"#,
            code: .invalidValue,
            message: "leases.json: \(key6()): PublicIPv6: expected an IPv6 address such as \"fd00::11\", found the string \"fd00:::9\""),
        Case(
            name: "public-ipv6 annotation does not parse",
            input: node(annotations: #"\#(managed), \#(ip), "flannel.alpha.coreos.com/public-ipv6": "fd00::9::1""#, spec: dualStack),
            code: .invalidValue,
            message: "leases.json: node/k8s-node9: metadata.annotations[\"flannel.alpha.coreos.com/public-ipv6\"]: expected an IPv6 address "
                + "such as \"fd00::11\", found the string \"fd00::9::1\""),
        Case(
            name: "backend-v6-data annotation malformed",
            input: node(annotations: #"\#(managed), \#(ip), "flannel.alpha.coreos.com/public-ipv6": "fd00::9", "flannel.alpha.coreos.com/backend-v6-data": "{\"VNI\":1,\"VtepMAC\"""#, spec: dualStack),
            code: .malformed,
            message: "leases.json: node/k8s-node9: metadata.annotations[\"flannel.alpha.coreos.com/backend-v6-data\"]: malformed JSON "
                + "at line 1, column 19 of the embedded text: unexpected end of input, expected ':' after the key \"VtepMAC\""),
        Case(
            name: "three pod CIDRs", input: node(annotations: "\(managed), \(ip)", spec: #"{"podCIDR": "10.244.9.0/24", "podCIDRs": ["10.244.9.0/24", "fd00:10:244:9::/64", "10.245.9.0/24"]}"#),
            code: .invalidValue,
            message: "leases.json: node/k8s-node9: spec.podCIDRs: node \"k8s-node9\" pod cidrs should be IPv4/IPv6 only or dualstack (found 3 entries)"),
        Case(
            name: "IPv6 pod CIDR with host bits set", input: node(annotations: "\(managed), \(ip)", spec: #"{"podCIDR": "10.244.9.0/24", "podCIDRs": ["10.244.9.0/24", "fd00:10:244:9::1/64"]}"#),
            code: .invalidValue,
            message: "leases.json: node/k8s-node9: spec.podCIDRs[1]: \"fd00:10:244:9::1/64\" has host bits set; the network is fd00:10:244:9::/64"),
        Case(
            name: "IPv6 pod CIDR that does not parse", input: node(annotations: "\(managed), \(ip)", spec: #"{"podCIDR": "fd00:10:244:9::/129"}"#),
            code: .invalidValue,
            message: "leases.json: node/k8s-node9: spec.podCIDR: expected an IPv6 CIDR such as \"fd00:10:244:1::/64\", found the string \"fd00:10:244:9::/129\""),
        Case(
            name: "item that is not a node", input: #"{"kind": "List", "items": [{"kind": "Pod", "metadata": {"name": "p"}}]}"#,
            code: .invalidValue,
            message: "leases.json: items[0].kind: expected \"Node\", found the string \"Pod\""),
        Case(
            name: "node without a name", input: #"{"kind": "List", "items": [{"kind": "Node", "metadata": {}}]}"#,
            code: .missingField,
            message: "leases.json: items[0].metadata.name: required: the node's name"),
    ]

    @Test(arguments: cases)
    func refusal(_ testCase: Case) {
        let error = caughtInputError { () throws(InputError) in
            try LeaseReader.parse(testCase.input.bytes, source: "leases.json")
        }
        #expect(error?.code == testCase.code)
        #expect(error?.source == "leases.json")
        #expect(error?.description == testCase.message)
    }

    @Test("empty input and a non-object say what was expected")
    func emptyAndNonObject() {
        let empty = caughtInputError { () throws(InputError) in try LeaseReader.parse([], source: "-") }
        #expect(empty?.code == .malformed)
        #expect(empty?.description == "-: the file is empty; expected \(LeaseReader.acceptedFormats)")
        let yaml = caughtInputError { () throws(InputError) in
            try LeaseReader.parse("apiVersion: v1\nitems: []\nkind: List\n".bytes, source: "nodes.yaml")
        }
        #expect(yaml?.code == .unknownFormat)
        #expect(
            yaml?.description == "nodes.yaml: the file is not JSON (for kubectl, use -o json); expected \(LeaseReader.acceptedFormats)")
        let array = caughtInputError { () throws(InputError) in try LeaseReader.parse("[]".bytes, source: "-") }
        #expect(array?.code == .unknownFormat)
        #expect(array?.description == "-: found an array; expected \(LeaseReader.acceptedFormats)")
    }

    @Test("a node flannel does not manage is skipped even when its data would be refused")
    func unmanagedNodesSkipped() throws {
        let bogus = #""flannel.alpha.coreos.com/public-ip": "not an ip", "flannel.alpha.coreos.com/backend-type": "udp""#
        #expect(try LeaseReader.parse(Self.node(annotations: bogus, spec: "{}").bytes, source: "n.json").isEmpty)
        let notTrue = #""flannel.alpha.coreos.com/kube-subnet-manager": "True", \#(bogus)"#
        #expect(try LeaseReader.parse(Self.node(annotations: notTrue, spec: "{}").bytes, source: "n.json").isEmpty)
        let noAnnotations = #"{"kind": "List", "items": [{"kind": "Node", "metadata": {"name": "bare"}}]}"#
        #expect(try LeaseReader.parse(noAnnotations.bytes, source: "n.json").isEmpty)
    }
}
