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

    /// True when a watch message calls for a fresh list: events, a compaction, or a cancel.
    /// The creation acknowledgement and progress notifications do not.
    static func watchLineAsksForList(_ line: [UInt8], source: String) throws(LeaseSourceError) -> Bool {
        if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }) { return false }
        let top = try object(line, source: source)
        if let error = top["error"] {
            throw LeaseSourceError(.unreachable, source: source, "the watch failed: \(error)")
        }
        guard let result = top["result"] as? [String: Any] else {
            throw LeaseSourceError(.invalid, source: source, "a watch message without result")
        }
        if let compacted = int64(result["compact_revision"]), compacted > 0 { return true }
        if result["canceled"] as? Bool == true { return true }
        if let events = result["events"] as? [Any], !events.isEmpty { return true }
        return false
    }
}
