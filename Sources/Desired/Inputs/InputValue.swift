import NetState

/// A JSON value together with where it sits, so that every typed read can refuse with the exact
/// field and what was expected there.
package struct InputValue: Sendable {
    package var json: InputJSON
    /// The path of the object holding this value, and this value's name in it: the full path
    /// is only put together when asked for (a refusal, a nested document), since lease files
    /// read tens of thousands of fields that are fine.
    private var parent: InputPath
    private var name: String?

    package var path: InputPath {
        get { name.map { parent.appending($0) } ?? parent }
        set {
            parent = newValue
            name = nil
        }
    }

    package init(_ json: InputJSON, at path: InputPath) {
        self.json = json
        self.parent = path
        self.name = nil
    }

    /// The member `name` of the object at `parent`.
    init(_ json: InputJSON, in parent: InputPath, named name: String) {
        self.json = json
        self.parent = parent
        self.name = name
    }

    package func object() throws(InputError) -> InputObject {
        guard case .object(let members) = json else { throw mismatch("an object") }
        return InputObject(members: members, path: path)
    }

    package func array() throws(InputError) -> [InputValue] {
        guard case .array(let elements) = json else { throw mismatch("an array") }
        return elements.enumerated().map { offset, element in
            var elementPath = path
            if let last = elementPath.components.popLast() {
                elementPath.components.append("\(last)[\(offset)]")
            } else {
                elementPath.components.append("[\(offset)]")
            }
            return InputValue(element, at: elementPath)
        }
    }

    package func string() throws(InputError) -> String {
        guard case .string(let text) = json else { throw mismatch("a string") }
        return text
    }

    package func bool() throws(InputError) -> Bool {
        guard case .bool(let value) = json else { throw mismatch("true or false") }
        return value
    }

    /// A JSON integer literal inside `range`. Like Go decoding into an `int`, `1.0` and `1e3` are
    /// refused: only plain digits (with an optional `-`) are integers.
    func integer(in range: ClosedRange<Int64>) throws(InputError) -> Int64 {
        // The refusal's text is built only when refusing: a lease file reads thousands of VNIs.
        guard case .number(let text) = json, let value = Int64(text), range.contains(value) else {
            throw mismatch("an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// An IPv4 CIDR given as a string. Host bits set are refused, naming the network meant.
    func ipv4Prefix(example: String) throws(InputError) -> IPv4Prefix {
        let text = try string()
        if let prefix = IPv4Prefix(text, strict: true) { return prefix }
        if let loose = IPv4Prefix(text, strict: false) {
            throw path.error(.invalidValue, "\(text.debugDescription) has host bits set; the network is \(loose)")
        }
        throw mismatch("an IPv4 CIDR such as \(example.debugDescription)")
    }

    func ipv6Prefix(example: String) throws(InputError) -> IPv6Prefix {
        let text = try string()
        if let prefix = IPv6Prefix(text, strict: true) { return prefix }
        if let loose = IPv6Prefix(text, strict: false) {
            throw path.error(.invalidValue, "\(text.debugDescription) has host bits set; the network is \(loose)")
        }
        throw mismatch("an IPv6 CIDR such as \(example.debugDescription)")
    }

    func ipv6Address(example: String) throws(InputError) -> IPv6Address {
        let text = try string()
        guard let address = IPv6Address(text) else {
            throw mismatch("an IPv6 address such as \(example.debugDescription)")
        }
        return address
    }

    func ipv4Address(example: String) throws(InputError) -> IPv4Address {
        let text = try string()
        guard let address = IPv4Address(text) else {
            throw mismatch("an IPv4 address such as \(example.debugDescription)")
        }
        return address
    }

    func macAddress() throws(InputError) -> MACAddress {
        let text = try string()
        guard let mac = MACAddress(text) else {
            throw mismatch("a MAC address such as \"c6:d2:32:6f:8f:44\"")
        }
        return mac
    }

    /// `expected <what>, found <the value>`.
    package func mismatch(_ expected: String) -> InputError {
        path.error(.invalidValue, "expected \(expected), found \(json.summary)")
    }
}

/// A JSON object with its path. Lookups treat a member whose value is `null` as absent, as Go
/// leaves a field untouched when it decodes `null` into it.
package struct InputObject: Sendable {
    package var members: [InputJSON.Member]
    package var path: InputPath

    /// The member named `name` ignoring case, as Go's `encoding/json` matches struct fields
    /// (Unicode case folding: `network`, `NETWORK` and `Network` are one field). When several
    /// members match, the last one wins, as in Go. The path names the field as spelled in `name`.
    func field(_ name: String) -> InputValue? {
        guard let member = members.last(where: { Self.equalIgnoringCase($0.key, name) }), member.value != .null else {
            return nil
        }
        return InputValue(member.value, in: path, named: name)
    }

    /// The member named exactly `name`, for Kubernetes and etcd documents, whose keys are
    /// case-sensitive.
    package func exactField(_ name: String) -> InputValue? {
        guard let member = members.last(where: { $0.key == name }), member.value != .null else { return nil }
        return InputValue(member.value, in: path, named: name)
    }

    package func has(exactKey name: String) -> Bool { members.contains { $0.key == name } }

    /// Simple case folding close to Go's `bytes.EqualFold`: upper- then lower-casing maps the
    /// Kelvin sign to `k` and the long s to `s`.
    private static func fold(_ text: String) -> String { text.uppercased().lowercased() }

    /// Go's case-insensitive key match without allocating for the ASCII keys every flannel
    /// document uses; other keys take the Unicode fold.
    private static func equalIgnoringCase(_ lhs: String, _ rhs: String) -> Bool {
        var left = lhs.utf8.makeIterator()
        var right = rhs.utf8.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return true
            case let (a?, b?):
                guard a < 0x80, b < 0x80 else { return fold(lhs) == fold(rhs) }
                if a == b { continue }
                let lowerA = (0x41...0x5a).contains(a) ? a | 0x20 : a
                let lowerB = (0x41...0x5a).contains(b) ? b | 0x20 : b
                if lowerA != lowerB { return false }
            default: return false
            }
        }
    }
}
