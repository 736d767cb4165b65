import NetState

/// The formats of the values the tables' members hold: JSON scalars, and the model's values
/// stored as the text iproute2 prints (`"10.244.1.0/24"`, `"0e:4c:8b:10:01:01"`, `"boot"`), so
/// snapshots and plans read like the commands and can be written by hand. A refusal says what
/// the text is not: `not an IPv4 address: 1.2.3`.
extension JSONValueFormat {
    public static var string: JSONValueFormat<String> {
        .init(write: { $0.string($1) }, read: { (reader: inout JSONTextReader) throws(JSONReadError) in try reader.readString() })
    }

    public static var bool: JSONValueFormat<Bool> {
        .init(write: { $0.bool($1) }, read: { (reader: inout JSONTextReader) throws(JSONReadError) in try reader.readBool() })
    }

    /// A JSON integer that fits `T`.
    public static func integer<T: FixedWidthInteger & Sendable>(_: T.Type) -> JSONValueFormat<T> {
        .init(write: { $0.integer($1) }, read: { (reader: inout JSONTextReader) throws(JSONReadError) in try reader.readInteger(T.self) })
    }

    /// A device name, refused unless the kernel would accept it: a snapshot is a file anyone
    /// can edit, and its names end up in plans and scripts.
    public static var interfaceName: JSONValueFormat<String> {
        .init(write: { $0.string($1) }, read: { (reader: inout JSONTextReader) throws(JSONReadError) in
            let text = try reader.readString()
            if let refusal = InterfaceName.refusal(of: text) { throw reader.invalid(refusal) }
            return text
        })
    }

    public static var address: JSONValueFormat<IPv4Address> { .text("not an IPv4 address", write: { $0.address($1) }) { IPv4Address($0) } }

    public static var prefix: JSONValueFormat<IPv4Prefix> { .text("not an IPv4 prefix", write: { $0.prefix($1) }) { IPv4Prefix($0) } }

    /// An address of either family (a route's gateway, an FDB `dst`, a device's `local`).
    public static var ipAddress: JSONValueFormat<IPAddress> { .text("not an IP address", write: { $0.ipAddress($1) }) { IPAddress($0) } }

    /// A prefix of either family (a route's destination, a connected network).
    public static var ipPrefix: JSONValueFormat<IPPrefix> { .text("not an IP prefix", write: { $0.ipPrefix($1) }) { IPPrefix($0) } }

    public static var address6: JSONValueFormat<IPv6Address> {
        .text("not an IPv6 address", write: { $0.ipAddress(.v6($1)) }) { IPv6Address($0) }
    }

    public static var prefix6: JSONValueFormat<IPv6Prefix> {
        .text("not an IPv6 prefix", write: { $0.ipPrefix(.v6($1)) }) { IPv6Prefix($0) }
    }

    public static var interfaceAddress: JSONValueFormat<InterfaceAddress> { .text("not an address/length", write: { $0.interfaceAddress($1) }) { InterfaceAddress($0) } }

    public static var mac: JSONValueFormat<MACAddress> { .text("not a MAC address", write: { $0.mac($1) }) { MACAddress($0) } }

    /// iproute2's name, or the number for a value without one: `unknown RouteProtocol: foo`.
    public static func kernelEnum<T: KernelEnum>(_: T.Type) -> JSONValueFormat<T> {
        .text("unknown \(T.self)", write: { $0.string($1.description) }) { T(name: $0) }
    }

    /// A value stored as a string that `parse` reads; refused as `<refusal>: <text>`.
    static func text(
        _ refusal: String, write: @escaping @Sendable (inout JSONTextWriter, Value) -> Void,
        parse: @escaping @Sendable (String) -> Value?
    ) -> JSONValueFormat<Value> {
        .init(write: write, read: { (reader: inout JSONTextReader) throws(JSONReadError) in try reader.readText(refusal, parse) })
    }

    /// An array of `element`, in the order given.
    public static func array<Element>(_ element: JSONValueFormat<Element>) -> JSONValueFormat<[Element]> {
        .init(write: { writer, elements in
            writer.beginArray()
            for item in elements {
                writer.element()
                element.write(&writer, item)
            }
            writer.endArray()
        }, read: { (reader: inout JSONTextReader) throws(JSONReadError) in
            try reader.readArray { (reader: inout JSONTextReader) throws(JSONReadError) in try element.read(&reader) }
        })
    }

    /// An object of strings keyed by names that are never converted, keys in byte order.
    public static var stringMap: JSONValueFormat<[String: String]> {
        .init(write: { writer, map in
            writer.beginObject()
            for (name, value) in map.sorted(by: { Array($0.key.utf8).lexicographicallyPrecedes($1.key.utf8) }) {
                writer.literalKey(name)
                writer.string(value)
            }
            writer.endObject()
        }, read: { (reader: inout JSONTextReader) throws(JSONReadError) in
            var map: [String: String] = [:]
            try reader.readObject { (reader: inout JSONTextReader, name: String) throws(JSONReadError) in
                map[name] = try reader.readString()
            }
            return map
        })
    }
}

extension JSONTextReader {
    /// A string parsed by `parse`; refused as `<what>: <text>` when it does not parse.
    mutating func readText<T>(_ refusal: String, _ parse: (String) -> T?) throws(JSONReadError) -> T {
        let text = try readString()
        guard let value = parse(text) else { throw invalid(refusal + ": " + text) }
        return value
    }
}
