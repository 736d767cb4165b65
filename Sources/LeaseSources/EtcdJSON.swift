import Foundation

/// The small pieces of etcd's JSON gateway format: base64 keys, prefix range ends, the
/// revision in a response header, and what a watch message means.
extension EtcdLeaseSource {
    static func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    /// The end of the range holding every key that starts with `prefix`: the prefix with its
    /// last byte incremented (trailing 0xff bytes dropped), as `etcdctl --prefix` computes it.
    static func rangeEnd(of prefix: [UInt8]) -> [UInt8] {
        var end = prefix
        while let last = end.last {
            if last < 0xff {
                end[end.count - 1] = last + 1
                return end
            }
            end.removeLast()
        }
        return [0]
    }

    static func encode(_ json: [String: Any]) -> [UInt8] {
        (try? JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])).map { Array($0) } ?? Array("{}".utf8)
    }

    static func object(_ bytes: [UInt8], source: String) throws(LeaseSourceError) -> [String: Any] {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else {
            throw LeaseSourceError(.invalid, source: source, "the answer is not a JSON object: \(String(decoding: bytes.prefix(200), as: UTF8.self))")
        }
        return object
    }

    /// int64 fields come as JSON strings from the gateway (proto3 JSON mapping), sometimes as numbers.
    static func int64(_ value: Any?) -> Int64? {
        switch value {
        case let text as String: Int64(text)
        case let number as NSNumber: number.int64Value
        default: nil
        }
    }

    /// `header.revision` of a range response.
    static func revision(in bytes: [UInt8], source: String) throws(LeaseSourceError) -> Int64 {
        let top = try object(bytes, source: source)
        guard let header = top["header"] as? [String: Any], let revision = int64(header["revision"]) else {
            throw LeaseSourceError(.invalid, source: source, "the answer has no header.revision")
        }
        return revision
    }

    /// The value of the first key of a range response, or nil when nothing matched.
    static func firstValue(in bytes: [UInt8], source: String) throws(LeaseSourceError) -> [UInt8]? {
        let top = try object(bytes, source: source)
        guard let kvs = top["kvs"] as? [[String: Any]], let first = kvs.first else { return nil }
        guard let text = first["value"] as? String, let data = Data(base64Encoded: text) else {
            throw LeaseSourceError(.invalid, source: source, "the value is not base64")
        }
        return Array(data)
    }

    /// What one line of a watch stream says.
    package enum WatchMessage: Equatable {
        /// The creation acknowledgement, a progress notification, an empty batch.
        case quiet
        /// Events, in order, and the revision of the last one (its `mod_revision`, else the
        /// message's `header.revision`).
        case events([EtcdLeaseCache.Event], revision: Int64?)
        /// etcd ended the watch for a reason a fresh list cures: a compaction or a cancel.
        case relist(String)
    }

    /// Reads one watch message, refusing (as `.invalid`, naming the field) anything whose
    /// events cannot be followed: the caller drops the stream and lists again, so a message it
    /// did not understand can never leave the cache behind the store.
    package static func watchMessage(_ line: [UInt8], source: String) throws(LeaseSourceError) -> WatchMessage {
        if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }) { return .quiet }
        let top = try object(line, source: source)
        if let error = top["error"] {
            throw LeaseSourceError(.unreachable, source: source, "the watch failed: \(watchError(error))")
        }
        guard let result = top["result"] as? [String: Any] else {
            throw LeaseSourceError(.invalid, source: source, "a watch message without result")
        }
        if let compacted = int64(result["compact_revision"]), compacted > 0 {
            return .relist("etcd compacted the watched revisions (up to \(compacted))")
        }
        if result["canceled"] as? Bool == true { return .relist("etcd cancelled the watch") }
        guard let rawEvents = result["events"] else { return .quiet }
        guard let list = rawEvents as? [Any] else {
            throw LeaseSourceError(.invalid, source: source, "a watch message whose result.events is not an array")
        }
        if list.isEmpty { return .quiet }
        var events: [EtcdLeaseCache.Event] = []
        events.reserveCapacity(list.count)
        var revision = (result["header"] as? [String: Any]).flatMap { int64($0["revision"]) }
        for (index, raw) in list.enumerated() {
            let field = "result.events[\(index)]"
            func refuse(_ message: String) -> LeaseSourceError {
                LeaseSourceError(.invalid, source: source, "a watch message whose \(message)")
            }
            guard let event = raw as? [String: Any] else { throw refuse("\(field) is not an object") }
            let kind: EtcdLeaseCache.Event.Kind
            // The gateway prints the enum's name and, proto3 JSON, leaves the default (PUT) out.
            let type = event["type"]
            if type == nil || type as? String == "PUT" {
                kind = .put
            } else if type as? String == "DELETE" {
                kind = .delete
            } else {
                throw refuse("\(field).type is \(summary(type)), not PUT or DELETE")
            }
            guard let kv = event["kv"] as? [String: Any] else { throw refuse("\(field).kv is missing or not an object") }
            guard let keyText = kv["key"] as? String, let key = Data(base64Encoded: keyText), !key.isEmpty else {
                throw refuse("\(field).kv.key is missing or not base64")
            }
            let value = kv["value"]
            if value != nil, !(value is String) { throw refuse("\(field).kv.value is not a string") }
            let modRevision = int64(kv["mod_revision"])
            if let modRevision { revision = max(revision ?? modRevision, modRevision) }
            events.append(EtcdLeaseCache.Event(kind: kind, key: Array(key), base64Value: value as? String, modRevision: modRevision))
        }
        return .events(events, revision: revision)
    }

    /// What a watch message's `error` says, as the gateway writes it
    /// (`{"grpc_code":14,"http_code":503,"message":"etcdserver: no leader",…}`): its message and
    /// code, bounded. Not the object's description: a dictionary's order differs from one parse
    /// to the next, and the whole object would put whatever the peer sent into the log.
    static func watchError(_ error: Any) -> String {
        guard let fields = error as? [String: Any] else { return summary(error) }
        let message = (fields["message"] as? String).map { String($0.prefix(200)).debugDescription } ?? "no message"
        let code = int64(fields["grpc_code"]).map { " (gRPC code \($0))" } ?? ""
        return message + code
    }

    /// A JSON value a message names, bounded and the same for the same text: a string's first
    /// 40 characters, else its kind.
    static func summary(_ value: Any?) -> String {
        switch value {
        case nil, is NSNull: "null"
        case let text as String: String(text.prefix(40))
        case is [Any]: "an array"
        case is [String: Any]: "an object"
        case let number as NSNumber: "the number \(number)"
        default: "a \(type(of: value!))"
        }
    }

    /// True when a watch message calls for a fresh list: events, a compaction, or a cancel.
    /// The creation acknowledgement and progress notifications do not.
    static func watchLineAsksForList(_ line: [UInt8], source: String) throws(LeaseSourceError) -> Bool {
        switch try watchMessage(line, source: source) {
        case .quiet: false
        case .events, .relist: true
        }
    }
}
