import NetState

/// Reads the Kubernetes API's answers about nodes, as the agent's API source receives them:
/// pages of `GET /api/v1/nodes` and the lines of its watch stream.
///
/// A node is several KB (status, images, managed fields) around the hundred bytes flannel's lease
/// is made of, and kubelet rewrites its status every few seconds to minutes on every node: the
/// reader builds only the node's name, `resourceVersion`, the annotations under the prefix (both
/// families': `public-ip`, `backend-data`, `public-ipv6`, `backend-v6-data`, …) and
/// `spec.podCIDR(s)`, and skips the rest unbuilt (`InputJSONParser.parse(_:selecting:)`). The
/// lease itself is built by the same code as `kubectl get nodes -o json` files
/// (`LeaseReader.readNode`).
public enum KubeAPIReader {
    /// One node: its name and what it is to flannel.
    public struct Node: Hashable, Sendable {
        public var name: String
        public var outcome: KubeNodeOutcome

        public init(name: String, outcome: KubeNodeOutcome) {
            self.name = name
            self.outcome = outcome
        }
    }

    /// One page of `GET /api/v1/nodes`.
    public struct ListPage: Sendable, Equatable {
        /// The list's `metadata.resourceVersion`: a watch starts from it.
        public var resourceVersion: String
        /// `metadata.continue`: the token for the next page, nil on the last.
        public var continueToken: String?
        public var nodes: [Node]
    }

    /// A `Status` object: the body of a refusal, or the object of an `ERROR` watch event.
    public struct Status: Hashable, Sendable, CustomStringConvertible {
        public var code: Int?
        public var reason: String?
        public var message: String?

        public var description: String {
            [code.map { "\($0)" }, reason, message].compactMap { $0 }.joined(separator: " ")
        }
    }

    /// One line of a watch stream.
    public enum WatchEvent: Sendable, Equatable {
        case added(Node, resourceVersion: String?)
        case modified(Node, resourceVersion: String?)
        case deleted(Node, resourceVersion: String?)
        /// Only the stream's progress: resume from here.
        case bookmark(resourceVersion: String)
        /// The watch failed; 410 (`Expired`, `Gone`) means list again.
        case error(Status)
    }

    package static func nodeSelection(_ prefix: KubeAnnotationPrefix) -> JSONSelection {
        .members([
            "kind": .all,
            "metadata": .members(["name": .all, "resourceVersion": .all, "annotations": .membersPrefixed(prefix.text)]),
            "spec": .members(["podCIDR": .all, "podCIDRs": .all]),
        ])
    }

    /// What a list page is read for: its kind, version and continue token, and its nodes.
    package static func listSelection(_ prefix: KubeAnnotationPrefix) -> JSONSelection {
        .members([
            "kind": .all, "metadata": .members(["resourceVersion": .all, "continue": .all]),
            "items": .elements(nodeSelection(prefix)),
        ])
    }

    /// What a watch line is read for: its type, and its object as a node or a `Status`.
    package static func watchSelection(_ prefix: KubeAnnotationPrefix) -> JSONSelection {
        var objectSelection = nodeSelection(prefix)
        if case .members(var members) = objectSelection {
            for field in ["code", "reason", "message"] { members[field] = .all }
            objectSelection = .members(members)
        }
        return .members(["type": .all, "object": objectSelection])
    }

    /// Reads a list page. `source` names the request (`https://10.96.0.1:443/api/v1/nodes`).
    public static func listPage(
        _ bytes: UnsafeRawBufferPointer, source: String, prefix: KubeAnnotationPrefix
    ) throws(InputError) -> ListPage {
        let top = try document(bytes, source: source, selecting: listSelection(prefix))
        if let kind = try top.exactField("kind")?.string(), kind != "NodeList" {
            throw top.path.appending("kind").error(.unknownFormat, "expected \"NodeList\", found \(InputJSON.string(kind).summary)")
        }
        guard let metadata = try top.exactField("metadata")?.object(),
              let resourceVersion = try metadata.exactField("resourceVersion")?.string(), !resourceVersion.isEmpty
        else {
            throw top.path.appending("metadata").appending("resourceVersion").error(
                .missingField, "required: a watch starts from the list's resourceVersion")
        }
        let continueToken = try metadata.exactField("continue")?.string()
        guard let items = top.exactField("items") else {
            throw top.path.appending("items").error(.missingField, "required: the nodes")
        }
        var nodes: [Node] = []
        let values = try items.array()
        nodes.reserveCapacity(values.count)
        for value in values { nodes.append(try node(value, prefix: prefix)) }
        return ListPage(
            resourceVersion: resourceVersion, continueToken: continueToken.flatMap { $0.isEmpty ? nil : $0 }, nodes: nodes
        )
    }

    /// Reads one line of a watch stream.
    public static func watchEvent(
        _ bytes: UnsafeRawBufferPointer, source: String, prefix: KubeAnnotationPrefix
    ) throws(InputError) -> WatchEvent {
        let top = try document(bytes, source: source, selecting: watchSelection(prefix))
        guard let typeValue = top.exactField("type") else {
            throw top.path.appending("type").error(.missingField, "required: ADDED, MODIFIED, DELETED, BOOKMARK or ERROR")
        }
        let type = try typeValue.string()
        guard let objectValue = top.exactField("object") else {
            throw top.path.appending("object").error(.missingField, "required: the event's object")
        }
        let object = try objectValue.object()
        switch type {
        case "ERROR":
            return .error(try status(object))
        case "BOOKMARK":
            guard let version = try object.exactField("metadata")?.object().exactField("resourceVersion")?.string(),
                  !version.isEmpty
            else {
                throw object.path.appending("metadata").appending("resourceVersion").error(
                    .missingField, "required: a bookmark carries the resourceVersion to resume from")
            }
            return .bookmark(resourceVersion: version)
        case "ADDED", "MODIFIED", "DELETED":
            let node = try node(objectValue, prefix: prefix)
            let version = try object.exactField("metadata")?.object().exactField("resourceVersion")?.string()
            switch type {
            case "ADDED": return .added(node, resourceVersion: version)
            case "MODIFIED": return .modified(node, resourceVersion: version)
            default: return .deleted(node, resourceVersion: version)
            }
        default:
            throw typeValue.path.error(
                .invalidValue, "\(InputJSON.string(type).summary) is not a watch event type (ADDED, MODIFIED, DELETED, BOOKMARK, ERROR)")
        }
    }

    /// The `Status` in a refusal's body, or nil when the body is not one (a proxy's HTML page).
    public static func status(_ bytes: UnsafeRawBufferPointer) -> Status? {
        let selection = JSONSelection.members(["kind": .all, "code": .all, "reason": .all, "message": .all])
        guard let top = try? document(bytes, source: "-", selecting: selection),
              (try? top.exactField("kind")?.string()) == "Status"
        else { return nil }
        return try? status(top)
    }

    private static func status(_ object: InputObject) throws(InputError) -> Status {
        Status(
            code: try object.exactField("code").map { value throws(InputError) in Int(try value.integer(in: 0...999)) },
            reason: try object.exactField("reason")?.string(),
            message: try object.exactField("message")?.string()
        )
    }

    private static func node(_ value: InputValue, prefix: KubeAnnotationPrefix) throws(InputError) -> Node {
        let object = try value.object()
        guard let nameValue = try object.exactField("metadata")?.object().exactField("name") else {
            throw value.path.appending("metadata").appending("name").error(.missingField, "required: the node's name")
        }
        let name = try nameValue.string()
        // Kubernetes names are DNS subdomains: at most 253 characters. A longer one is no node.
        guard !name.isEmpty, name.utf8.count <= 253 else {
            throw nameValue.path.error(.invalidValue, "a node name is 1 to 253 characters")
        }
        return Node(name: name, outcome: try LeaseReader.readNode(value, prefix: prefix.text))
    }

    private static func document(
        _ bytes: UnsafeRawBufferPointer, source: String, selecting selection: JSONSelection
    ) throws(InputError) -> InputObject {
        let path = InputPath(source: source)
        let json: InputJSON
        do {
            json = try InputJSONParser.parse(bytes, selecting: selection)
        } catch {
            throw path.malformedJSON(error, embedded: false)
        }
        guard case .object(let members) = json else {
            throw path.error(.unknownFormat, "found \(json.summary); expected a JSON object")
        }
        return InputObject(members: members, path: path)
    }
}

/// flanneld's `--kube-annotation-prefix`, made into the text its annotation names start with
/// exactly as flannel does it (v0.20.2 `subnet/kube/annotations.go`, `newAnnotations`, lines
/// 34–58): at most one slash; none means one is added; a prefix ending in neither `/` nor `-`
/// gets a `-`; the result must end in `<fqdn>/` or `<fqdn>/<word>-`.
public struct KubeAnnotationPrefix: Hashable, Sendable, CustomStringConvertible {
    /// `flannel.alpha.coreos.com/`, as the default prefix becomes.
    public let text: String

    public static let flannel = KubeAnnotationPrefix(normalized: "flannel.alpha.coreos.com/")

    private init(normalized: String) { text = normalized }

    public init(_ flag: String) throws(InputError) {
        let refuse = { (why: String) in
            InputError(.invalidValue, field: "--kube-annotation-prefix", "\(flag.debugDescription): \(why)")
        }
        var prefix = flag
        let slashes = prefix.filter { $0 == "/" }.count
        if slashes > 1 { throw refuse("a prefix can contain at most one slash") }
        if slashes == 0 { prefix += "/" }
        if !prefix.hasSuffix("/") && !prefix.hasSuffix("-") { prefix += "-" }
        guard Self.matchesFlannelFormat(prefix) else {
            throw refuse("a prefix must be in the format fqdn/[0-9a-z-_]* (lowercase letters, digits, '-', '_' and dots)")
        }
        text = prefix
    }

    /// flannel's `(?:[a-z0-9_-]+\.)+[a-z0-9_-]+/(?:[a-z0-9_-]+-)?$`, unanchored at the start as
    /// its `regexp.MatchString` is: the text before the slash must end in two or more dotted words.
    static func matchesFlannelFormat(_ prefix: String) -> Bool {
        func isWordCharacter(_ c: Character) -> Bool {
            c.isASCII && (c.isLowercase || c.isNumber || c == "_" || c == "-")
        }
        guard let slash = prefix.firstIndex(of: "/") else { return false }
        let after = prefix[prefix.index(after: slash)...]
        if !after.isEmpty {
            guard after.hasSuffix("-"), after.dropLast().allSatisfy(isWordCharacter), after.count > 1 else { return false }
        }
        // The longest tail of `before` made of word characters and dots, then its dotted words.
        let before = prefix[..<slash]
        let tail = before.reversed().prefix { isWordCharacter($0) || $0 == "." }
        let words = String(tail.reversed()).split(separator: ".", omittingEmptySubsequences: false)
        // The last word and at least one before it must be non-empty; an empty word (two dots,
        // a leading dot) ends the match there, which is fine as long as two words remain.
        var count = 0
        for word in words.reversed() {
            if word.isEmpty { break }
            count += 1
        }
        return count >= 2 && !(words.last?.isEmpty ?? true)
    }

    public var description: String { text }
}
