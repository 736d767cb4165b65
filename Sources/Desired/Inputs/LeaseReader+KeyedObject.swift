extension LeaseReader {
    /// Format 2: `{"/coreos.com/network/subnets/10.244.1.0-24": {lease}, …}`, in file order. A lease
    /// may also be a string holding its JSON, as etcd stores it.
    static func readKeyedObject(_ top: InputObject) throws(InputError) -> LeaseReading {
        var reading = LeaseReading()
        for member in top.members where isLeaseKey(member.key) {
            let leasePath = InputPath(source: top.path.source, prefix: member.key)
            // A bad key is the refusal named, but the value is still read so that a record
            // whose key alone is wrong keeps its PublicIPs and VtepMACs protected.
            let subnets = Result { () throws(InputError) in try Self.subnets(ofKey: member.key, path: leasePath) }
            var parsed: InputObject?
            reading.append(key: member.key, salvage: { salvage(key: member.key, parsed) }) { () throws(InputError) in
                let attributes: InputObject
                do throws(InputError) {
                    attributes = try Self.attributes(member.value, path: leasePath)
                } catch {
                    _ = try subnets.get()
                    throw error
                }
                parsed = attributes
                return try lease(key: member.key, subnets: try subnets.get(), attributes: attributes)
            }
        }
        return reading
    }

    /// A keyed object's lease: an object, or a string holding its JSON.
    private static func attributes(_ value: InputJSON, path: InputPath) throws(InputError) -> InputObject {
        switch value {
        case .object(let members):
            return InputObject(members: members, path: path)
        case .string(let text):
            return try leaseObject(fromJSONText: Array(text.utf8), path: path)
        default:
            throw path.error(.invalidValue, "expected the lease as an object or a JSON string, found \(value.summary)")
        }
    }
}
