/// A kernel enumeration (route protocol, scope, type, neighbour state) kept as its raw number so
/// values the tool has no name for still round-trip, and printed with iproute2's names.
public protocol KernelEnum: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible
where RawValue: FixedWidthInteger & Sendable {
    /// iproute2's names, as in `/etc/iproute2/rt_protos` and friends.
    static var names: [RawValue: String] { get }
    init(rawValue: RawValue)
}

extension KernelEnum {
    public var description: String { Self.names[rawValue] ?? String(rawValue) }

    /// Accepts iproute2's name or the number.
    public init?(name: String) {
        if let match = Self.names.first(where: { $0.value == name }) {
            self.init(rawValue: match.key)
        } else if let number = RawValue(name) {
            self.init(rawValue: number)
        } else {
            return nil
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}
