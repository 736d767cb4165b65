import NetState

/// Writes JSON bytes exactly as Foundation's `JSONEncoder` prints them on this platform with
/// `[.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]`: two-space indent, `"key" : value`,
/// an empty container as an opening line, a blank line and the closing bracket.
///
/// Snapshots and `-o json` documents at 50,000 peers are tens of megabytes; `JSONEncoder`
/// builds a tree of boxed values and strings for them first (hundreds of megabytes and seconds).
/// This appends to one byte array and prints addresses and MACs from their integers. The caller
/// writes an object's keys in sorted order; the tests compare every document with `JSONEncoder`.
public struct JSONTextWriter: Sendable {
    /// How a Swift property name becomes a key: as it is (snapshots) or `snake_case` (the
    /// command outputs, `JSONEncoder.KeyEncodingStrategy.convertToSnakeCase`).
    public enum KeyStyle: Sendable {
        case camelCase
        case snakeCase
    }

    public private(set) var bytes: [UInt8]
    public let keyStyle: KeyStyle
    private var depth = 0
    /// Whether the innermost open container has no member yet.
    private var empty = true

    public init(keyStyle: KeyStyle = .camelCase, capacity: Int = 4096) {
        self.keyStyle = keyStyle
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Where the bytes go once `threshold` of them are buffered (checked between array
    /// elements), so a document of tens of megabytes goes out in pieces instead of as one buffer.
    private var sink: (@Sendable ([UInt8]) -> Void)?
    private var threshold = Int.max

    public mutating func stream(every threshold: Int, to sink: @escaping @Sendable ([UInt8]) -> Void) {
        self.sink = sink
        self.threshold = threshold
    }

    /// Hands what is buffered to the sink (the end of a streamed document).
    public mutating func flush() {
        guard let sink, !bytes.isEmpty else { return }
        sink(bytes)
        bytes.removeAll(keepingCapacity: true)
    }

    // MARK: Containers

    public mutating func beginObject() { open(UInt8(ascii: "{")) }
    public mutating func endObject() { close(UInt8(ascii: "}")) }
    public mutating func beginArray() { open(UInt8(ascii: "[")) }
    public mutating func endArray() { close(UInt8(ascii: "]")) }

    /// Starts a member of a field table: its spelling for `keyStyle` was made once, up front.
    public mutating func key(_ name: JSONKey) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        appendEscaped(name.spelled(keyStyle))
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: " "), UInt8(ascii: ":"), UInt8(ascii: " ")])
    }

    /// Starts the member named exactly `name` (a dictionary key: never converted).
    public mutating func literalKey(_ name: String) {
        separate()
        string(name)
        bytes.append(contentsOf: [UInt8(ascii: " "), UInt8(ascii: ":"), UInt8(ascii: " ")])
    }

    /// Starts the next element of the open array.
    public mutating func element() {
        if bytes.count >= threshold { flush() }
        separate()
    }

    private mutating func open(_ bracket: UInt8) {
        bytes.append(bracket)
        depth += 1
        empty = true
    }

    private mutating func close(_ bracket: UInt8) {
        depth -= 1
        bytes.append(UInt8(ascii: "\n"))
        if empty { bytes.append(UInt8(ascii: "\n")) }
        indent()
        bytes.append(bracket)
        empty = false
    }

    private mutating func separate() {
        if !empty { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\n"))
        indent()
        empty = false
    }

    private mutating func indent() {
        for _ in 0..<(2 * depth) { bytes.append(UInt8(ascii: " ")) }
    }

    // MARK: Scalars

    public mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        appendEscaped(text)
        bytes.append(UInt8(ascii: "\""))
    }

    public mutating func null() { bytes.append(contentsOf: [0x6e, 0x75, 0x6c, 0x6c]) }

    public mutating func bool(_ value: Bool) {
        if value {
            bytes.append(contentsOf: [0x74, 0x72, 0x75, 0x65])  // true
        } else {
            bytes.append(contentsOf: [0x66, 0x61, 0x6c, 0x73, 0x65])  // false
        }
    }

    public mutating func integer(_ value: some BinaryInteger) {
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
            decimal(UInt64(-Int64(value)))
        } else {
            decimal(UInt64(value))
        }
    }

    /// `"10.244.1.0"`, from the integer.
    public mutating func address(_ address: IPv4Address) {
        bytes.append(UInt8(ascii: "\""))
        dottedQuad(address)
        bytes.append(UInt8(ascii: "\""))
    }

    /// `"10.244.1.0/24"`.
    public mutating func prefix(_ prefix: IPv4Prefix) { addressSlashLength(prefix.address, prefix.length) }

    /// `"10.244.1.0/32"`, `"fd00:10:244:1::/128"`.
    public mutating func interfaceAddress(_ address: InterfaceAddress) {
        switch address.address {
        case let .v4(ip): addressSlashLength(ip, address.length)
        case .v6: text(address.description)
        }
    }

    /// Either family's address: `"10.244.1.0"`, `"fd00:10:244:1::"`.
    public mutating func ipAddress(_ address: IPAddress) {
        switch address {
        case let .v4(ip): self.address(ip)
        case .v6: text(address.description)
        }
    }

    /// Either family's prefix: `"10.244.1.0/24"`, `"fd00:10:244:1::/64"`.
    public mutating func ipPrefix(_ prefix: IPPrefix) {
        switch prefix {
        case let .v4(value): self.prefix(value)
        case .v6: text(prefix.description)
        }
    }

    /// Text made of characters that need no escaping (addresses), quoted.
    private mutating func text(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: text.utf8)
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func addressSlashLength(_ address: IPv4Address, _ length: UInt8) {
        bytes.append(UInt8(ascii: "\""))
        dottedQuad(address)
        bytes.append(UInt8(ascii: "/"))
        decimal(UInt64(length))
        bytes.append(UInt8(ascii: "\""))
    }

    /// `"0e:4c:8b:10:01:01"`, lower-case as `MACAddress.description`.
    public mutating func mac(_ mac: MACAddress) {
        bytes.append(UInt8(ascii: "\""))
        for index in 0..<6 {
            if index > 0 { bytes.append(UInt8(ascii: ":")) }
            let byte = UInt8(truncatingIfNeeded: mac.value >> (40 - 8 * UInt64(index)))
            bytes.append(Self.hexDigits[Int(byte >> 4)])
            bytes.append(Self.hexDigits[Int(byte & 0x0f)])
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    private mutating func dottedQuad(_ address: IPv4Address) {
        for shift in stride(from: 24, through: 0, by: -8) {
            let octet = UInt8(truncatingIfNeeded: address.value >> UInt32(shift))
            if octet >= 100 { bytes.append(UInt8(ascii: "0") &+ octet / 100) }
            if octet >= 10 { bytes.append(UInt8(ascii: "0") &+ (octet / 10) % 10) }
            bytes.append(UInt8(ascii: "0") &+ octet % 10)
            if shift > 0 { bytes.append(UInt8(ascii: ".")) }
        }
    }

    private mutating func decimal(_ value: UInt64) {
        if value < 10 {
            bytes.append(UInt8(ascii: "0") &+ UInt8(value))
            return
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            while rest > 0 {
                buffer[count] = UInt8(ascii: "0") &+ UInt8(rest % 10)
                rest /= 10
                count += 1
            }
            for index in stride(from: count - 1, through: 0, by: -1) { bytes.append(buffer[index]) }
        }
    }

    /// `JSONEncoder`'s escaping: `"` and `\`, the short escapes for backspace, form feed, line
    /// feed, carriage return and tab, `\u00XX` for other control characters; slashes and
    /// everything else as UTF-8.
    private mutating func appendEscaped(_ text: String) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0c: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x0a: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0d: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                bytes.append(Self.hexDigits[Int(byte >> 4)])
                bytes.append(Self.hexDigits[Int(byte & 0x0f)])
            default: bytes.append(byte)
            }
        }
    }

    /// `JSONEncoder`'s `convertToSnakeCase` for the ASCII property names of this code base:
    /// a word starts at an upper-case letter (a run of capitals is one word, its last capital
    /// starting the next word when a lower-case letter follows), words are lower-cased and
    /// joined with `_`.
    static func snakeCase(_ name: String) -> String {
        let characters = Array(name.utf8)
        guard !characters.isEmpty else { return name }
        func isUpper(_ byte: UInt8) -> Bool { (0x41...0x5a).contains(byte) }
        func isLower(_ byte: UInt8) -> Bool { !isUpper(byte) }
        var result: [UInt8] = []
        result.reserveCapacity(characters.count + 4)
        for (index, byte) in characters.enumerated() {
            if index > 0, isUpper(byte) {
                let previous = characters[index - 1]
                let nextIsLower = index + 1 < characters.count && isLower(characters[index + 1])
                if isLower(previous) || nextIsLower { result.append(UInt8(ascii: "_")) }
            }
            result.append(isUpper(byte) ? byte | 0x20 : byte)
        }
        return String(decoding: result, as: UTF8.self)
    }
}
