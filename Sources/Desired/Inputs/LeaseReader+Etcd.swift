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
            appendEtcdRecord(key: key, value: entry.exactField("value")?.json, source: top.path.source, to: &reading)
        }
        return reading
    }

    /// One etcd record, as a watch event carries it: the key (decoded from its base64) and the
    /// value as the gateway prints it (base64 text; nil when the event has none, which proto3
    /// JSON prints for an empty value). It is read exactly as the same record in a listing
    /// (`etcdctl -w json`, a `/v3/kv/range` answer) would be, so a cache patched event by event
    /// holds what a fresh list would read. nil when the key is not a lease key (no `/subnets/`).
    public static func etcdRecord(key: String, base64Value: String?, source: String) -> EtcdRecord? {
        guard isLeaseKey(key) else { return nil }
        var reading = LeaseReading()
        appendEtcdRecord(key: key, value: base64Value.map { .string($0) }, source: source, to: &reading)
        if let lease = reading.leases.first { return .lease(lease) }
        if let rejected = reading.rejected.first { return .rejected(rejected) }
        return nil
    }

    /// Reads one record into `reading`: a lease, or a rejected record with its subnet and what
    /// could be salvaged. `value` is the value field as it came (base64 text), nil when absent.
    static func appendEtcdRecord(key: String, value: InputJSON?, source: String, to reading: inout LeaseReading) {
        let leasePath = InputPath(source: source, prefix: key)
        // A bad key is the refusal named, but the value is still read so that a record whose
        // key alone is wrong keeps its PublicIPs and VtepMACs protected.
        let subnets = Result { () throws(InputError) in try Self.subnets(ofKey: key, path: leasePath) }
        var attributes: InputObject?
        reading.append(key: key, salvage: { salvage(key: key, attributes) }) { () throws(InputError) in
            let object: InputObject
            do throws(InputError) {
                guard let value else {
                    throw leasePath.error(.missingField, "the etcd value is empty; expected the lease JSON")
                }
                let valueBytes = try base64(InputValue(value, at: leasePath.appending("value")))
                object = try leaseObject(fromJSONText: valueBytes, path: leasePath)
            } catch {
                _ = try subnets.get()
                throw error
            }
            attributes = object
            return try lease(key: key, subnets: try subnets.get(), attributes: object)
        }
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
