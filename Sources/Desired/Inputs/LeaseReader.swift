/// Reads the cluster's subnet leases from whatever an operator can export, detecting the format
/// from the content. Only the records are checked here (that every subnet, IP and MAC parses and
/// every backend is one this tool programs); whether the leases fit the network, overlap or
/// include this node is the desired-state engine's business, because it needs the NetConf.
public enum LeaseReader {
    /// Detects the format from the content and returns the leases, in input order.
    ///
    /// Accepted formats (all JSON):
    /// 1. `etcdctl get <prefix>/subnets --prefix -w json`: an object with `header` and/or `kvs`;
    ///    keys and values are base64.
    /// 2. An object mapping etcd keys to leases: `{"/coreos.com/network/subnets/10.244.1.0-24": {lease}, …}`
    ///    (a dual-stack lease's key is `10.244.1.0-24&fd00:10:244:1::-64`);
    ///    each lease is an object or a string holding its JSON. The order is the file's order
    ///    (the parser keeps object members in order).
    /// 3. `kubectl get nodes -o json` (`kind` `List` or `NodeList`, or a single `Node`).
    ///
    /// In formats 1 and 2, keys without `/subnets/` (such as `<prefix>/config`) are skipped.
    ///
    /// Throws when the input as a whole is unusable; a record that does not parse is kept in
    /// `rejected` and the others are read on.
    public static func read(_ bytes: [UInt8], source: String) throws(InputError) -> LeaseReading {
        let path = InputPath(source: source)
        guard let first = bytes.first(where: { !isBlank($0) }) else {
            throw path.error(.malformed, "the file is empty; expected \(acceptedFormats)")
        }
        if first != UInt8(ascii: "{") && first != UInt8(ascii: "[") {
            // Most likely `-o yaml` or a table: say which formats work rather than "expected a value".
            throw path.error(.unknownFormat, "the file is not JSON (for kubectl, use -o json); expected \(acceptedFormats)")
        }
        if let reading = try readKeyedObjectStreaming(bytes, path: path) { return reading }
        let document: InputJSON
        do {
            document = try InputJSONParser.parse(bytes)
        } catch {
            throw path.malformedJSON(error, embedded: false)
        }
        guard case .object(let members) = document else {
            throw path.error(.unknownFormat, "found \(document.summary); expected \(acceptedFormats)")
        }
        let top = InputObject(members: members, path: path)
        if top.has(exactKey: "kvs") || top.has(exactKey: "header") {
            return try readEtcdctl(top)
        }
        if top.has(exactKey: "items") || top.has(exactKey: "kind") {
            return try readKubectl(top)
        }
        if members.allSatisfy({ $0.key.hasPrefix("/") }) {
            return try readKeyedObject(top)
        }
        let keys = members.prefix(3).map { $0.key.debugDescription }.joined(separator: ", ")
        throw path.error(.unknownFormat, "an object with keys \(keys)\(members.count > 3 ? ", …" : ""); expected \(acceptedFormats)")
    }

    /// Format 2 read member by member as the file is parsed (`InputJSONParser.forEachMember`),
    /// each lease made from its member's tree before the next member is built: a file of 50,000
    /// leases no longer has its whole document tree alive next to the leases. The result is what
    /// `readKeyedObject` gives for the whole object. Returns nil as soon as a top-level key does
    /// not start with `/` (another format, or none: `read` then parses the whole file and decides
    /// as before) or the value is not an object.
    private static func readKeyedObjectStreaming(_ bytes: [UInt8], path: InputPath) throws(InputError) -> LeaseReading? {
        var reading = LeaseReading()
        var failed = false
        let complete: Bool
        do {
            complete = try InputJSONParser.forEachMember(of: bytes, accepts: { !failed && $0.hasPrefix("/") }) { member in
                do {
                    let part = try readKeyedObject(InputObject(members: [member], path: path))
                    reading.leases += part.leases
                    reading.rejected += part.rejected
                } catch {
                    // Whatever made the whole-object reading refuse is left to it.
                    failed = true
                }
            }
        } catch {
            throw path.malformedJSON(error, embedded: false)
        }
        return complete && !failed ? reading : nil
    }

    /// `read`, refusing the whole input at the first record that does not parse: for callers
    /// (and tests) that want every record or nothing.
    public static func parse(_ bytes: [UInt8], source: String) throws(InputError) -> [Lease] {
        let reading = try read(bytes, source: source)
        if let first = reading.rejected.first { throw first.error }
        return reading.leases
    }

    /// Named in every "unknown format" refusal, so the operator sees what would have worked.
    static let acceptedFormats = """
        one of: (1) `etcdctl get /coreos.com/network/subnets --prefix -w json` output \
        ({"header": …, "kvs": [{"key": base64, "value": base64}, …]}); \
        (2) a JSON object {"/coreos.com/network/subnets/10.244.1.0-24": {lease}, …}; \
        (3) `kubectl get nodes -o json` output ({"kind": "List", "items": [node, …]})
        """

    /// Etcd keys of leases contain this; others (the network config) are skipped.
    static let subnetsComponent = "/subnets/"

    /// `key` contains `/subnets/` (byte search: Foundation's `contains` is slow per key).
    static func isLeaseKey(_ key: String) -> Bool {
        var key = key
        return key.withUTF8 { bytes in
            subnetsNeedle.withUnsafeBufferPointer { needle in
                guard bytes.count >= needle.count else { return false }
                for start in 0...(bytes.count - needle.count) {
                    var matched = 0
                    while matched < needle.count, bytes[start + matched] == needle[matched] { matched += 1 }
                    if matched == needle.count { return true }
                }
                return false
            }
        }
    }

    private static let subnetsNeedle = Array(subnetsComponent.utf8)

    static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\t")
    }
}
