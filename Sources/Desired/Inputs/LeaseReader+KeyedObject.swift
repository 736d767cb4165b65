extension LeaseReader {
    /// Format 2: `{"/coreos.com/network/subnets/10.244.1.0-24": {lease}, …}`, in file order. A lease
    /// may also be a string holding its JSON, as etcd stores it.
    static func readKeyedObject(_ top: InputObject) throws(InputError) -> LeaseReading {
        var reading = LeaseReading()
        for member in top.members where isLeaseKey(member.key) {
            let leasePath = InputPath(source: top.path.source, prefix: member.key)
            let subnet = Result { () throws(InputError) in try Self.subnet(ofKey: member.key, path: leasePath) }
            var parsed: InputObject?
            reading.append(key: member.key, subnet: try? subnet.get(), salvage: { salvage(parsed) }) { () throws(InputError) in
                let subnet = try subnet.get()
                let attributes: InputObject
                switch member.value {
                case .object(let members):
                    attributes = InputObject(members: members, path: leasePath)
                case .string(let text):
                    attributes = try leaseObject(fromJSONText: Array(text.utf8), path: leasePath)
                default:
                    throw leasePath.error(
                        .invalidValue, "expected the lease as an object or a JSON string, found \(member.value.summary)")
                }
                parsed = attributes
                return try lease(key: member.key, subnet: subnet, attributes: attributes)
            }
        }
        return reading
    }
}
