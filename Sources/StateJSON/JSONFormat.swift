/// The field tables: how each type of snapshots and plan files is written and read, declared
/// once. A type's `JSONObjectFormat` lists its members in key order, one line each (key, how to
/// get the value to write, how to store the value read, the value's format and whether it is
/// required, optional or has a default); `JSONTextWriter.write(_:as:)` and
/// `JSONTextReader.read(_:)` both walk that list, so the writer and the reader cannot disagree
/// about a key, a type or a member's presence. Adding a member is adding its line.
///
/// Formats are values of closures, not protocols: the writer appends bytes straight from the
/// model (no tree, no `Encoder`), the reader builds the model as it goes (no tree, no `Decoder`).

/// A member's key: the Swift property name (camelCase, as snapshots spell it) and its
/// snake_case form (the command outputs and plan files, `JSONEncoder`'s `convertToSnakeCase`),
/// both made once.
public struct JSONKey: Sendable, Hashable {
    public let camel: String
    public let snake: String

    public init(_ camel: String) {
        self.camel = camel
        snake = JSONTextWriter.snakeCase(camel)
    }

    func spelled(_ style: JSONTextWriter.KeyStyle) -> String { style == .camelCase ? camel : snake }
}

/// How one value is written and read.
public struct JSONValueFormat<Value>: Sendable {
    public let write: @Sendable (inout JSONTextWriter, Value) -> Void
    public let read: @Sendable (inout JSONTextReader) throws(JSONReadError) -> Value

    public init(
        write: @escaping @Sendable (inout JSONTextWriter, Value) -> Void,
        read: @escaping @Sendable (inout JSONTextReader) throws(JSONReadError) -> Value
    ) {
        self.write = write
        self.read = read
    }
}

/// One member of an object: written from a `Value`, read into a `Draft` (the value itself for
/// most types; a builder where the value is assembled at the end, see `JSONObjectFormat`).
public struct JSONField<Value, Draft>: Sendable {
    public let key: JSONKey
    /// Whether an object without this member is refused (`missing "proto"`).
    public let required: Bool
    /// Writes the member (key and value), or nothing when it is absent.
    let write: @Sendable (inout JSONTextWriter, Value, JSONKey) -> Void
    /// Reads the member's value (its key has been read).
    let read: @Sendable (inout JSONTextReader, inout Draft) throws(JSONReadError) -> Void

    public init(
        _ key: String, required: Bool,
        write: @escaping @Sendable (inout JSONTextWriter, Value, JSONKey) -> Void,
        read: @escaping @Sendable (inout JSONTextReader, inout Draft) throws(JSONReadError) -> Void
    ) {
        self.key = JSONKey(key)
        self.required = required
        self.write = write
        self.read = read
    }

    /// Writes the member whatever its value.
    private static func always<T>(
        _ get: @escaping @Sendable (Value) -> T, _ format: JSONValueFormat<T>
    ) -> @Sendable (inout JSONTextWriter, Value, JSONKey) -> Void {
        { writer, value, key in
            writer.key(key)
            format.write(&writer, get(value))
        }
    }

    /// Always written; an object without it, or with `null` for it, is refused.
    public static func required<T>(
        _ key: String, _ get: @escaping @Sendable (Value) -> T, _ set: @escaping @Sendable (inout Draft, T) -> Void,
        _ format: JSONValueFormat<T>
    ) -> Self {
        Self(key, required: true, write: always(get, format), read: { (reader: inout JSONTextReader, draft: inout Draft) throws(JSONReadError) in
            set(&draft, try format.read(&reader))
        })
    }

    /// Left out when nil (`encodeIfPresent`); absent or `null` reads as nil.
    public static func optional<T>(
        _ key: String, _ get: @escaping @Sendable (Value) -> T?, _ set: @escaping @Sendable (inout Draft, T?) -> Void,
        _ format: JSONValueFormat<T>
    ) -> Self {
        Self(key, required: false, write: { writer, value, key in
            guard let member = get(value) else { return }
            writer.key(key)
            format.write(&writer, member)
        }, read: { (reader: inout JSONTextReader, draft: inout Draft) throws(JSONReadError) in
            set(&draft, try reader.readNull() ? nil : try format.read(&reader))
        })
    }

    /// Always written; absent or `null` keeps the draft's blank value (`decodeIfPresent ?? default`).
    public static func defaulted<T>(
        _ key: String, _ get: @escaping @Sendable (Value) -> T, _ set: @escaping @Sendable (inout Draft, T) -> Void,
        _ format: JSONValueFormat<T>
    ) -> Self {
        Self(key, required: false, write: always(get, format), read: { (reader: inout JSONTextReader, draft: inout Draft) throws(JSONReadError) in
            if try !reader.readNull() { set(&draft, try format.read(&reader)) }
        })
    }

    /// Written for people and programs that read the document, ignored when it is read back
    /// (a change's `text`, recomputed from the objects).
    public static func writeOnly<T>(
        _ key: String, _ get: @escaping @Sendable (Value) -> T, _ format: JSONValueFormat<T>
    ) -> Self {
        Self(key, required: false, write: always(get, format), read: { (reader: inout JSONTextReader, _: inout Draft) throws(JSONReadError) in try reader.skipValue() })
    }
}

/// A JSON object's members in key order (the order `JSONEncoder` printed with `.sortedKeys`),
/// the blank draft reading starts from, and how a finished draft becomes the value.
public struct JSONObjectFormat<Value, Draft: Sendable>: Sendable {
    public let fields: [JSONField<Value, Draft>]
    let blank: Draft
    let finish: @Sendable (Draft, inout JSONTextReader) throws(JSONReadError) -> Value

    public init(
        blank: Draft, _ fields: [JSONField<Value, Draft>],
        finish: @escaping @Sendable (Draft, inout JSONTextReader) throws(JSONReadError) -> Value
    ) {
        precondition(fields.count <= 64, "a field table holds at most 64 members")
        precondition(
            zip(fields, fields.dropFirst()).allSatisfy { Array($0.key.camel.utf8).lexicographicallyPrecedes($1.key.camel.utf8) },
            "a field table lists its members in key order"
        )
        self.blank = blank
        self.fields = fields
        self.finish = finish
    }

    /// The member of `name` as the document spells it.
    func field(named name: String, _ style: JSONTextWriter.KeyStyle) -> Int? {
        switch style {
        case .camelCase: fields.firstIndex { $0.key.camel == name }
        case .snakeCase: fields.firstIndex { $0.key.snake == name }
        }
    }

    /// As a value of an enclosing document.
    public var value: JSONValueFormat<Value> {
        JSONValueFormat(write: { writer, value in writer.write(value, as: self) }, read: { (reader: inout JSONTextReader) throws(JSONReadError) in
            try reader.read(self)
        })
    }
}

extension JSONObjectFormat where Draft == Value {
    /// A format whose draft is the value itself, filled in member by member from `blank`.
    public init(blank: Value, _ fields: [JSONField<Value, Value>]) {
        self.init(blank: blank, fields) { (draft: Value, _: inout JSONTextReader) throws(JSONReadError) in draft }
    }
}

extension JSONTextWriter {
    /// An object, member by member as its format lists them.
    public mutating func write<Value, Draft>(_ value: Value, as format: JSONObjectFormat<Value, Draft>) {
        beginObject()
        for field in format.fields { field.write(&self, value, field.key) }
        endObject()
    }
}

extension JSONTextReader {
    /// An object read with its format: members in any order, unknown members stepped over,
    /// every required member present.
    public mutating func read<Value, Draft>(_ format: JSONObjectFormat<Value, Draft>) throws(JSONReadError) -> Value {
        var draft = format.blank
        var seen: UInt64 = 0
        let style = keyStyle
        try readObject { (reader: inout JSONTextReader, name: String) throws(JSONReadError) in
            guard let index = format.field(named: name, style) else { return try reader.skipValue() }
            try format.fields[index].read(&reader, &draft)
            seen |= 1 << UInt64(index)
        }
        for (index, field) in format.fields.enumerated() where field.required && seen & (1 << UInt64(index)) == 0 {
            throw missing(field.key.camel)
        }
        return try format.finish(draft, &self)
    }
}
