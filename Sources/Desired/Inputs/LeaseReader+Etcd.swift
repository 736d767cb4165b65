import Foundation

extension LeaseReader {
    /// Format 1: `etcdctl get /coreos.com/network/subnets --prefix -w json`. etcdctl prints keys and
    /// values base64-encoded and leaves `kvs` out when nothing matched.
    static func readEtcdctl(_ top: InputObject) throws(InputError) -> LeaseReading {
        if let more = top.exactField("more"), try more.bool() {
            throw more.path.error(
                .invalidValue,
                "true: the etcdctl output is truncated (was --limit given?); every lease is needed, "
                    + "or the peers left out would be planned for removal")
        }
        guard let kvs = top.exactField("kvs") else { return LeaseReading() }
        var reading = LeaseReading()
        for kv in try kvs.array() {
            // The listing's shape (an entry that is not an object, a key that is not base64) is
            // the input's problem; what a lease's value holds is that lease's.
            let entry = try kv.object()
            guard let keyValue = entry.exactField("key") else {
                throw kv.path.appending("key").error(.missingField, "required: the base64 etcd key")
            }
            let key = String(decoding: try base64(keyValue), as: UTF8.self)
            guard isLeaseKey(key) else { continue }
            let leasePath = InputPath(source: top.path.source, prefix: key)
            let subnet = Result { () throws(InputError) in try Self.subnet(ofKey: key, path: leasePath) }
            var attributes: InputObject?
            reading.append(key: key, subnet: try? subnet.get(), salvage: { salvage(attributes) }) { () throws(InputError) in
                let subnet = try subnet.get()
                guard let value = entry.exactField("value") else {
                    throw leasePath.error(.missingField, "the etcd value is empty; expected the lease JSON")
                }
                let valueBytes = try base64(InputValue(value.json, at: leasePath.appending("value")))
                let object = try leaseObject(fromJSONText: valueBytes, path: leasePath)
                attributes = object
                return try lease(key: key, subnet: subnet, attributes: object)
            }
        }
        return reading
    }

    /// Standard base64 with padding, as etcdctl prints protobuf `bytes` fields.
    private static func base64(_ value: InputValue) throws(InputError) -> [UInt8] {
        let text = try value.string()
        guard let data = Data(base64Encoded: text) else {
            throw value.mismatch("base64 text (etcdctl -w json prints keys and values in base64)")
        }
        return [UInt8](data)
    }

    /// Parses lease JSON held in a string (an etcd value, or a string in format 2).
    static func leaseObject(fromJSONText bytes: [UInt8], path: InputPath) throws(InputError) -> InputObject {
        let document: InputJSON
        do {
            document = try InputJSONParser.parse(bytes)
        } catch {
            throw path.malformedJSON(error, embedded: true)
        }
        guard case .object(let members) = document else {
            throw path.error(.invalidValue, "expected the lease JSON object, found \(document.summary)")
        }
        return InputObject(members: members, path: path.nested())
    }
}
