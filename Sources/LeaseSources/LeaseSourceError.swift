/// A lease source failed: what, where, and why. The agent keeps its last good lease set on
/// every one of these.
public struct LeaseSourceError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// `--leases` itself does not parse.
        case invalidSpec
        /// The source could not be reached or read (connection refused, timeout, missing file).
        case unreachable
        /// The source answered with something that is not a valid lease set.
        case invalid
        /// A readable, valid set the agent will not program because it would delete
        /// what should stay (an empty set after a non-empty one).
        case refused
    }

    public var kind: Kind
    /// The file path or etcd endpoint involved.
    public var source: String
    public var message: String

    public init(_ kind: Kind, source: String, _ message: String) {
        self.kind = kind
        self.source = source
        self.message = message
    }

    public var description: String { "\(source): \(message)" }
}
