/// One rtnetlink request of a change, with the words that name it in an error
/// (`RTM_NEWROUTE 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink`).
public struct EncodedMessage: Hashable, Sendable {
    /// The complete request (`nlmsghdr` + family header + attributes), `NLM_F_REQUEST | NLM_F_ACK`.
    public var bytes: [UInt8]
    public var label: String

    public init(bytes: [UInt8], label: String) {
        self.bytes = bytes
        self.label = label
    }
}
