import NetState

/// What happens to one object: Terraform's `+`, `~`, `-`.
public enum Verb<Object: Hashable & Sendable>: Hashable, Sendable {
    case create(Object)
    /// The same kernel key with another value: one `NLM_F_REPLACE` request, never delete+add.
    case replace(old: Object, new: Object)
    case delete(Object)

    /// The value after the change, nil for a delete.
    public var after: Object? {
        switch self {
        case let .create(object), let .replace(_, object): object
        case .delete: nil
        }
    }

    /// The value before the change, nil for a create.
    public var before: Object? {
        switch self {
        case .create: nil
        case let .replace(object, _), let .delete(object): object
        }
    }
}

/// An address on the vxlan device.
public struct DeviceAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var device: String
    public var address: InterfaceAddress

    public init(device: String, address: InterfaceAddress) {
        self.device = device
        self.address = address
    }

    public static func < (lhs: DeviceAddress, rhs: DeviceAddress) -> Bool {
        (lhs.device, lhs.address) < (rhs.device, rhs.address)
    }
}

extension DeviceAddress: TextAppending {
    public func append(to text: inout TextBuffer) {
        text.append(address.description)
        text.append(" dev ")
        text.append(device)
    }
}

/// One step of a plan.
public enum Change: Hashable, Sendable {
    /// `ip link add … type vxlan …; ip link set … up`.
    case createLink(VxlanLink)
    /// MTU, learning or up/down changed on a device that can be kept.
    case modifyLink(old: VxlanLink, new: VxlanLink)
    /// `-/+`: the device differs in what the kernel cannot change (VNI, local, underlay, port)
    /// or in its MAC, which peers hold in their FDB. Deleting it takes its addresses,
    /// neighbours, FDB entries and routes with it; the plan re-adds the desired ones.
    case recreateLink(old: VxlanLink, new: VxlanLink)
    case deleteLink(VxlanLink)
    case address(Verb<DeviceAddress>)
    case fdb(Verb<FdbEntry>)
    case neighbor(Verb<Neighbor>)
    case route(Verb<Route>)
    /// The whole nf_tables table, replaced in one transaction.
    case table(Verb<NftTable>)
    /// flannel's iptables-mode rules in one shared iptables-nft table, in one transaction.
    case iptables(IptablesChange)

    /// The kind of object, in the words the text plan uses.
    public var kind: String {
        switch self {
        case .createLink, .modifyLink, .recreateLink, .deleteLink: "link"
        case .address: "addr"
        case .fdb: "fdb"
        case .neighbor: "neigh"
        case .route: "route"
        case .table: "nft"
        case .iptables: "iptables"
        }
    }

    public enum Action: String, Hashable, Sendable {
        case create, replace, delete, recreate
    }

    public var action: Action {
        switch self {
        case .createLink: .create
        case .modifyLink: .replace
        case .recreateLink: .recreate
        case .deleteLink: .delete
        case let .address(verb): verb.action
        case let .fdb(verb): verb.action
        case let .neighbor(verb): verb.action
        case let .route(verb): verb.action
        case let .table(verb): verb.action
        case let .iptables(change): change.action
        }
    }
}

extension Verb {
    public var action: Change.Action {
        switch self {
        case .create: .create
        case .replace: .replace
        case .delete: .delete
        }
    }
}
