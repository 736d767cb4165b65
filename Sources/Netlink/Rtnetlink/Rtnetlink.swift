import CMnl

/// What an rtnetlink request does with its object: `RTM_NEW…` (create, or replace with
/// `NLM_F_REPLACE`) or `RTM_DEL…`.
public enum RtnetlinkOperation: Hashable, Sendable {
    case new
    case delete
}

extension NetlinkRequest {
    /// `nlmsg_flags` of a request. The caller chooses them (the executor decides between
    /// `NLM_F_EXCL` and `NLM_F_REPLACE`); the per-kind builders only write them.
    public struct Flags: OptionSet, Hashable, Sendable {
        public var rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }

        public static let request = Flags(rawValue: UInt16(NLM_F_REQUEST))
        /// Asks for an `NLMSG_ERROR` answer (an ACK on success).
        public static let ack = Flags(rawValue: UInt16(NLM_F_ACK))
        public static let dump = Flags(rawValue: UInt16(NLM_F_DUMP))
        public static let create = Flags(rawValue: UInt16(NLM_F_CREATE))
        public static let replace = Flags(rawValue: UInt16(NLM_F_REPLACE))
        public static let exclusive = Flags(rawValue: UInt16(NLM_F_EXCL))
    }

    /// A request of `type` with `flags`, ready for its family header.
    init(type: Int, flags: Flags, sequence: UInt32 = 0, capacity: Int = 512) {
        self.init(type: UInt16(type), flags: flags.rawValue, sequence: sequence, capacity: capacity)
    }
}

extension PayloadReader {
    /// The fixed family header (`rtmsg`, `ndmsg`, …), whose size `init` checked.
    func header<Header>(_: Header.Type) -> Header {
        precondition(MemoryLayout<Header>.size <= headerSize)
        return payload.withUnsafeBytes { $0.loadUnaligned(as: Header.self) }
    }
}
