/// Where a value sits in an input file, so every refusal names the file and the field the way an
/// operator would look for it: `Backend.VNI`, `data.net-conf.json: Backend.Type`,
/// `/coreos.com/network/subnets/10.244.1.0-24: BackendData.VtepMAC`.
package struct InputPath: Hashable, Sendable {
    package var source: String
    /// What the dotted components are relative to: an embedded document or a lease key.
    package var prefix: String?
    package var components: [String] = []

    package init(source: String, prefix: String? = nil, components: [String] = []) {
        self.source = source
        self.prefix = prefix
        self.components = components
    }

    package func appending(_ component: String) -> InputPath {
        var copy = self
        copy.components.append(component)
        return copy
    }

    /// A path inside an embedded document or a lease: this path becomes the new prefix.
    func nested(_ component: String? = nil) -> InputPath {
        let base = component.map { appending($0) } ?? self
        return InputPath(source: source, prefix: base.field)
    }

    /// `prefix: a.b.c`; nil at the top of a file.
    package var field: String? {
        let dotted = components.isEmpty ? nil : components.joined(separator: ".")
        let parts = [prefix, dotted].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: ": ")
    }

    package func error(_ code: InputError.Code, _ message: String) -> InputError {
        InputError(code, source: source, field: field, message)
    }

    /// `malformed JSON at line 2, column 8: …`, told apart from the file's own lines when the JSON
    /// is embedded in a string (a ConfigMap entry, an annotation, an etcd value).
    func malformedJSON(_ syntax: InputJSONSyntaxError, embedded: Bool) -> InputError {
        let place = embedded
            ? "at line \(syntax.line), column \(syntax.column) of the embedded text"
            : "at line \(syntax.line), column \(syntax.column)"
        return error(.malformed, "malformed JSON \(place): \(syntax.reason)")
    }
}
