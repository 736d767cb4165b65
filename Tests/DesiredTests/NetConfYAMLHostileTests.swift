import Foundation
import Testing

@testable import Desired

/// YAML that would cost memory or stack out of proportion to its size is refused before Yams
/// composes anything; `&` and `*` that are text (quoted, or in a block scalar) are not.
@Suite("NetConfReader: hostile YAML")
struct NetConfYAMLHostileTests {
    private func refusal(_ text: String) -> InputError? {
        caughtInputError { () throws(InputError) in try NetConfReader.parse(text.bytes, source: "cm.yaml") }
    }

    /// Nine levels of nine aliases: 9^9 (387 million) strings once expanded, from 600 bytes.
    static let billionLaughs = """
        kind: ConfigMap
        a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
        b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
        c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
        d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
        e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
        f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
        g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
        h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
        i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
        data:
          net-conf.json: *i

        """

    private static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        return fields.count > 1 ? (Int(fields[1]) ?? 0) * 4096 : 0
    }

    @Test("a billion-laughs document is refused at its first anchor, fast and in bounded memory")
    func billionLaughs() {
        let before = Self.residentBytes()
        let clock = ContinuousClock()
        var error: InputError?
        let elapsed = clock.measure { error = refusal(Self.billionLaughs) }
        #expect(error?.code == .malformed)
        #expect(error?.description == "cm.yaml: at line 2, column 4: YAML anchors are not supported in this input")
        #expect(elapsed < .milliseconds(500), "took \(elapsed)")
        #expect(Self.residentBytes() - before < 16 << 20, "the refusal must not expand anything")
    }

    @Test("an alias is refused where it is, with its line and column")
    func alias() {
        let error = refusal("kind: ConfigMap\ndata:\n  net-conf.json: *x\n")
        #expect(error?.description == "cm.yaml: at line 3, column 18: YAML aliases are not supported in this input")
    }

    @Test("& and * inside quoted strings, block scalars and plain words are text, not anchors")
    func ampersandsInText() throws {
        let text = """
            kind: ConfigMap
            metadata:
              annotations:
                note: "a &b *c"
                other: 'x &y *z'
                plain: a&b*c
            data:
              net-conf.json: |
                {
                  "Network": "10.244.0.0/16",
                  "Backend": {"Type": "vxlan", "Note": "&anchor *alias"}
                }
              folded: >
                &not an anchor
                *not an alias

            """
        let netConf = try NetConfReader.parse(text.bytes, source: "cm.yaml")
        #expect(netConf.network!.description == "10.244.0.0/16")
    }

    @Test("nesting past the limit is refused before Yams recurses into it")
    func deepNesting() {
        let text = "kind: ConfigMap\ndata: " + String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000) + "\n"
        let error = refusal(text)
        #expect(error?.description.hasSuffix("nesting deeper than 100 levels") == true, "\(String(describing: error))")
    }

    @Test("text over the net-conf cap is refused before parsing, whatever its source")
    func overCap() {
        let text = "kind: ConfigMap\n#" + String(repeating: "x", count: 1 << 20) + "\n"
        let error = refusal(text)
        #expect(error?.code == .tooLarge)
        #expect(error?.description == "cm.yaml: \(text.utf8.count) bytes, over the 1 MiB cap for net-conf files")
    }
}
