import NetState
import Planner

/// One rtnetlink request of a change, with the words that name it in an error
/// (`RTM_NEWROUTE 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink`).
///
/// The words are kept as the request name and the object, and put together only when read:
/// an apply at 5,000 peers encodes 15,000 requests and names none of them unless one fails,
/// and rendering every label up front was a tenth of its user time.
public struct EncodedMessage: Hashable, Sendable {
    /// The complete request (`nlmsghdr` + family header + attributes), `NLM_F_REQUEST | NLM_F_ACK`.
    public var bytes: [UInt8]
    private var name: Name

    /// What a label names.
    enum Name: Hashable, Sendable {
        case text(String)
        case address(String, DeviceAddress)
        case fdb(String, FdbEntry)
        case neighbor(String, Neighbor)
        case route(String, Route)
    }

    public var label: String {
        get {
            switch name {
            case let .text(text): text
            case let .address(request, address): "\(request) \(address)"
            case let .fdb(request, entry): "\(request) fdb \(entry)"
            case let .neighbor(request, neighbor): "\(request) \(neighbor)"
            case let .route(request, route): "\(request) \(route)"
            }
        }
        set { name = .text(newValue) }
    }

    public init(bytes: [UInt8], label: String) {
        self.bytes = bytes
        self.name = .text(label)
    }

    init(bytes: [UInt8], name: Name) {
        self.bytes = bytes
        self.name = name
    }

    public static func == (lhs: EncodedMessage, rhs: EncodedMessage) -> Bool {
        lhs.bytes == rhs.bytes && lhs.label == rhs.label
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(bytes)
        hasher.combine(label)
    }
}
