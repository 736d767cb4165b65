import Testing

@testable import Desired

/// Every refusal with its exact text: these messages are what an operator reads, so they are
/// effectively golden.
@Suite("NetConfReader: refusals")
struct NetConfReaderErrorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var input: String
        var code: InputError.Code
        var message: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "empty file", input: " \n",
            code: .malformed,
            message: "net-conf.json: the file is empty; expected flannel's net-conf.json or the kube-flannel-cfg ConfigMap"),
        Case(
            name: "missing comma", input: "{\n  \"Network\": \"10.244.0.0/16\"\n  \"Backend\": {\"Type\": \"vxlan\"}\n}",
            code: .malformed,
            message: "net-conf.json: malformed JSON at line 3, column 3: expected ',' or '}' after an object member, found '\"'"),
        Case(
            name: "trailing comma (Go refuses it; Foundation would not)",
            input: "{\"Network\": \"10.244.0.0/16\", \"Backend\": {\"Type\": \"vxlan\",}}",
            code: .malformed,
            message: "net-conf.json: malformed JSON at line 1, column 58: expected a string key, found '}'"),
        Case(
            name: "truncated", input: "{\"Network\": \"10.244.0.0/16\", \"Backend\": {",
            code: .malformed,
            message: "net-conf.json: malformed JSON at line 1, column 42: unexpected end of input, expected a string key"),
        Case(
            name: "top level is an array", input: "[1, 2]",
            code: .unknownFormat,
            message: "net-conf.json: expected flannel's net-conf.json (a JSON object) or the kube-flannel-cfg ConfigMap, found an array"),
        Case(
            name: "no Backend: flannel would use udp", input: "{\"Network\": \"10.244.0.0/16\"}",
            code: .unsupportedBackend,
            message: "net-conf.json: Backend: missing, so flannel would use the \"udp\" backend; only vxlan and host-gw are supported"),
        Case(
            name: "Backend without Type", input: "{\"Network\": \"10.244.0.0/16\", \"Backend\": {\"VNI\": 1}}",
            code: .missingField,
            message: "net-conf.json: Backend.Type: required: \"vxlan\" or \"host-gw\""),
        Case(
            name: "Backend is a string", input: "{\"Network\": \"10.244.0.0/16\", \"Backend\": \"vxlan\"}",
            code: .invalidValue,
            message: "net-conf.json: Backend: expected an object, found the string \"vxlan\""),
        Case(
            name: "Network missing", input: "{\"Backend\": {\"Type\": \"vxlan\"}}",
            code: .missingField,
            message: "net-conf.json: Network: required when EnableIPv4 is true: an IPv4 CIDR such as \"10.244.0.0/16\""),
        Case(
            name: "Network has host bits set", input: "{\"Network\": \"10.244.1.0/16\", \"Backend\": {\"Type\": \"vxlan\"}}",
            code: .invalidValue,
            message: "net-conf.json: Network: \"10.244.1.0/16\" has host bits set; the network is 10.244.0.0/16"),
        Case(
            name: "Network without a length", input: "{\"Network\": \"10.244.0.0\", \"Backend\": {\"Type\": \"vxlan\"}}",
            code: .invalidValue,
            message: "net-conf.json: Network: expected an IPv4 CIDR such as \"10.244.0.0/16\", found the string \"10.244.0.0\""),
        Case(
            name: "Network is IPv6", input: "{\"network\": \"fd00::/8\", \"Backend\": {\"Type\": \"vxlan\"}}",
            code: .invalidValue,
            message: "net-conf.json: Network: expected an IPv4 CIDR such as \"10.244.0.0/16\", found the string \"fd00::/8\""),
        Case(
            name: "no family", input: "{\"EnableIPv4\": false, \"Backend\": {\"Type\": \"vxlan\"}}",
            code: .invalidValue,
            message: "net-conf.json: EnableIPv4: false with EnableIPv6 false leaves no address family to program; enable at least one"),
        Case(
            name: "EnableIPv6 without IPv6Network", input: "{\"Network\": \"10.244.0.0/16\", \"EnableIPv6\": true, \"Backend\": {\"Type\": \"vxlan\"}}",
            code: .missingField,
            message: "net-conf.json: IPv6Network: required when EnableIPv6 is true: an IPv6 CIDR such as \"fd00:10:244::/56\""),
        Case(
            name: "IPv6Network as IPv4", input: "{\"EnableIPv4\": false, \"EnableIPv6\": true, \"IPv6Network\": \"10.244.0.0/16\", \"Backend\": {\"Type\": \"vxlan\"}}",
            code: .invalidValue,
            message: "net-conf.json: IPv6Network: expected an IPv6 CIDR such as \"fd00:10:244::/56\", found the string \"10.244.0.0/16\""),
        Case(
            name: "IPv6Network with host bits", input: "{\"EnableIPv4\": false, \"EnableIPv6\": true, \"IPv6Network\": \"fd00:10:244::1/56\", \"Backend\": {\"Type\": \"vxlan\"}}",
            code: .invalidValue,
            message: "net-conf.json: IPv6Network: \"fd00:10:244::1/56\" has host bits set; the network is fd00:10:244::/56"),
        Case(
            name: "IPv6Network ::/0", input: "{\"EnableIPv4\": false, \"EnableIPv6\": true, \"IPv6Network\": \"::/0\", \"Backend\": {\"Type\": \"vxlan\"}}",
            code: .invalidValue,
            message: "net-conf.json: IPv6Network: ::/0 contains every address, the default route's among them; expected the cluster's IPv6 pod CIDR such as \"fd00:10:244::/56\""),
        Case(
            name: "IPv6SubnetLen 127", input: "{\"EnableIPv4\": false, \"EnableIPv6\": true, \"IPv6Network\": \"fd00::/56\", \"IPv6SubnetLen\": 127, \"Backend\": {\"Type\": \"vxlan\"}}",
            code: .invalidValue,
            message: "net-conf.json: IPv6SubnetLen: 127 leaves no room for a bridge and a tunnel address; expected at most 126"),
        Case(
            name: "IPv6SubnetLen not longer than the network", input: "{\"EnableIPv4\": false, \"EnableIPv6\": true, \"IPv6Network\": \"fd00::/56\", \"IPv6SubnetLen\": 56, \"Backend\": {\"Type\": \"vxlan\"}}",
            code: .invalidValue,
            message: "net-conf.json: IPv6SubnetLen: 56 is not longer than IPv6Network fd00::/56's prefix: one lease would take the whole network; expected 57 to 126"),
        Case(
            name: "IPv6Network too small for the default", input: "{\"EnableIPv4\": false, \"EnableIPv6\": true, \"IPv6Network\": \"fd00::/125\", \"Backend\": {\"Type\": \"vxlan\"}}",
            code: .invalidValue,
            message: "net-conf.json: IPv6Network: fd00::/125 is too small: flannel needs IPv6Network /124 or wider when IPv6SubnetLen is not set"),
        Case(
            name: "IPv6SubnetMin not an address", input: "{\"EnableIPv4\": false, \"EnableIPv6\": true, \"IPv6Network\": \"fd00::/56\", \"IPv6SubnetMin\": \"fd00::/64\", \"Backend\": {\"Type\": \"vxlan\"}}",
            code: .invalidValue,
            message: "net-conf.json: IPv6SubnetMin: expected an IPv6 address such as \"fd00:10:244:1::\", found the string \"fd00::/64\""),
        Case(
            name: "EnableIPv6 as a string", input: "{\"Network\": \"10.244.0.0/16\", \"EnableIPv6\": \"false\", \"Backend\": {\"Type\": \"vxlan\"}}",
            code: .invalidValue,
            message: "net-conf.json: EnableIPv6: expected true or false, found the string \"false\""),
        Case(
            name: "SubnetLen out of range", input: "{\"Network\": \"10.244.0.0/16\", \"SubnetLen\": 33, \"Backend\": {\"Type\": \"vxlan\"}}",
            code: .invalidValue,
            message: "net-conf.json: SubnetLen: expected an integer from 0 to 32, found the number 33"),
        Case(
            name: "SubnetMin not an address", input: "{\"Network\": \"10.244.0.0/16\", \"SubnetMin\": \"10.244.1.0/24\", \"Backend\": {\"Type\": \"vxlan\"}}",
            code: .invalidValue,
            message: "net-conf.json: SubnetMin: expected an IPv4 address such as \"10.244.1.0\", found the string \"10.244.1.0/24\""),
        Case(
            name: "VNI as a string", input: "{\"Network\": \"10.244.0.0/16\", \"Backend\": {\"Type\": \"vxlan\", \"VNI\": \"1\"}}",
            code: .invalidValue,
            message: "net-conf.json: Backend.VNI: expected an integer from 0 to 16777215, found the string \"1\""),
        Case(
            name: "VNI with a fraction (Go refuses 1.0 for an int)", input: "{\"Network\": \"10.244.0.0/16\", \"Backend\": {\"Type\": \"vxlan\", \"vni\": 1.0}}",
            code: .invalidValue,
            message: "net-conf.json: Backend.VNI: expected an integer from 0 to 16777215, found the number 1.0"),
        Case(
            name: "VNI beyond 24 bits", input: "{\"Network\": \"10.244.0.0/16\", \"Backend\": {\"Type\": \"vxlan\", \"VNI\": 16777216}}",
            code: .invalidValue,
            message: "net-conf.json: Backend.VNI: expected an integer from 0 to 16777215, found the number 16777216"),
        Case(
            name: "Port out of range", input: "{\"Network\": \"10.244.0.0/16\", \"Backend\": {\"Type\": \"vxlan\", \"Port\": 65536}}",
            code: .invalidValue,
            message: "net-conf.json: Backend.Port: expected an integer from 0 to 65535, found the number 65536"),
        Case(
            name: "Port negative", input: "{\"Network\": \"10.244.0.0/16\", \"Backend\": {\"Type\": \"vxlan\", \"Port\": -1}}",
            code: .invalidValue,
            message: "net-conf.json: Backend.Port: expected an integer from 0 to 65535, found the number -1"),
        Case(
            name: "MTU below 68", input: "{\"Network\": \"10.244.0.0/16\", \"Backend\": {\"Type\": \"vxlan\", \"MTU\": 67}}",
            code: .invalidValue,
            message: "net-conf.json: Backend.MTU: expected 0 (the interface's MTU) or an integer from 68 to 65535, found the number 67"),
        Case(
            name: "DirectRouting as a number", input: "{\"Network\": \"10.244.0.0/16\", \"Backend\": {\"Type\": \"vxlan\", \"DirectRouting\": 1}}",
            code: .invalidValue,
            message: "net-conf.json: Backend.DirectRouting: expected true or false, found the number 1"),
        Case(
            name: "Learning as a string", input: "{\"Network\": \"10.244.0.0/16\", \"Backend\": {\"Type\": \"vxlan\", \"Learning\": \"no\"}}",
            code: .invalidValue,
            message: "net-conf.json: Backend.Learning: expected true or false, found the string \"no\""),
        Case(
            name: "vxlan options are checked for host-gw too", input: "{\"Network\": \"10.244.0.0/16\", \"Backend\": {\"Type\": \"host-gw\", \"VNI\": -5}}",
            code: .invalidValue,
            message: "net-conf.json: Backend.VNI: expected an integer from 0 to 16777215, found the number -5"),
    ]

    @Test(arguments: cases)
    func refusal(_ testCase: Case) {
        let error = caughtInputError { () throws(InputError) in
            try NetConfReader.parse(testCase.input.bytes, source: "net-conf.json")
        }
        #expect(error?.code == testCase.code)
        #expect(error?.source == "net-conf.json")
        #expect(error?.description == testCase.message)
    }

    @Test(
        "backends other than vxlan and host-gw are refused, naming Backend.Type",
        arguments: ["udp", "ipip", "wireguard", "ipsec", "alloc", "tencent-vpc", "gce", "aws-vpc", "ali-vpc", "extension", "", "vxlan "])
    func unsupportedBackend(_ type: String) {
        let error = caughtInputError { () throws(InputError) in
            try NetConfReader.parse(
                #"{"Network": "10.244.0.0/16", "Backend": {"Type": "\#(type)"}}"#.bytes, source: "net-conf.json")
        }
        #expect(error?.code == .unsupportedBackend)
        #expect(error?.field == "Backend.Type")
        #expect(
            error?.description
                == "net-conf.json: Backend.Type: backend \"\(type)\" is not supported; only vxlan and host-gw are supported")
    }

    @Test("a key spelled in another case is named by its canonical field")
    func canonicalFieldName() {
        let error = caughtInputError { () throws(InputError) in
            try NetConfReader.parse(#"{"network": "10.244.0.0/16", "backend": {"TYPE": "UDP"}}"#.bytes, source: "nc.json")
        }
        #expect(error?.description == "nc.json: Backend.Type: backend \"UDP\" is not supported; only vxlan and host-gw are supported")
    }
}
