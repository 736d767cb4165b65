import NetState
import Netlink
import Planner

/// Turns one plan change into the rtnetlink requests that make it, the same requests `ip` and
/// `bridge` send for the commands `PlanScript` prints. Pure: bytes in, bytes out.
///
/// Every request carries `NLM_F_REQUEST | NLM_F_ACK`, so the kernel answers each with exactly one
/// `NLMSG_ERROR` (an ACK on success) the executor matches by sequence number. Objects that may
/// already exist with another value are written with `NLM_F_CREATE | NLM_F_REPLACE` (one request,
/// never delete + add, so a route is never missing in between); the vxlan device is created with
/// `NLM_F_EXCL`, as `ip link add` does.
///
/// Devices are named by ifindex, looked up in `indices` (name → ifindex). A device made earlier in
/// the same plan is not in a map read before it existed, which is why the executor sends link
/// changes first and reads the indices again before encoding the rest.
public enum ChangeEncoder {
    /// The requests for `change`, in the order they must be sent.
    /// - Parameters:
    ///   - indices: device name → ifindex, as the kernel has them now.
    ///   - firstSequence: `nlmsg_seq` of the first request; the others count up. The batch API
    ///     stamps its own numbers on sending, so the default keeps encodings comparable.
    /// - Throws: `ChangeEncodingError` when a device the change names is not in `indices`, or for
    ///   a `.table` change (nf_tables, see `NftEncoder`).
    public static func messages(
        for change: Change, indices: [String: UInt32], firstSequence: UInt32 = 0
    ) throws(ChangeEncodingError) -> [EncodedMessage] {
        func index(_ name: String) throws(ChangeEncodingError) -> UInt32 {
            guard let index = indices[name] else { throw ChangeEncodingError(change: change, reason: .unknownDevice(name)) }
            return index
        }
        var messages: [EncodedMessage]
        switch change {
        case let .createLink(link):
            messages = try createLink(link, underlayIndex: link.underlay.map { (name) throws(ChangeEncodingError) in try index(name) })
        case let .modifyLink(old, new):
            messages = modifyLink(old: old, new: new, index: try index(new.name))
        case let .recreateLink(old, new):
            // An old device that is already gone needs no delete; the create follows either way.
            let underlay = try new.underlay.map { (name) throws(ChangeEncodingError) in try index(name) }
            messages = (indices[old.name].map { [deleteLink(old, index: $0)] } ?? []) + createLink(new, underlayIndex: underlay)
        case let .deleteLink(link):
            messages = [deleteLink(link, index: try index(link.name))]
        case let .address(verb):
            switch verb {
            case let .create(address), let .replace(_, address):
                messages = [self.address(address, index: try index(address.device), delete: false)]
            case let .delete(address):
                messages = [self.address(address, index: try index(address.device), delete: true)]
            }
        case let .fdb(verb):
            switch verb {
            case let .create(entry), let .replace(_, entry):
                messages = [fdb(entry, index: try index(entry.key.device), delete: false)]
            case let .delete(entry):
                messages = [fdb(entry, index: try index(entry.key.device), delete: true)]
            }
        case let .neighbor(verb):
            switch verb {
            case let .create(neighbor), let .replace(_, neighbor):
                messages = [self.neighbor(neighbor, index: try index(neighbor.key.device), delete: false)]
            case let .delete(neighbor):
                messages = [self.neighbor(neighbor, index: try index(neighbor.key.device), delete: true)]
            }
        case let .route(verb):
            switch verb {
            case let .create(route), let .replace(_, route):
                let oif = try route.device.map { (name) throws(ChangeEncodingError) in try index(name) }
                messages = [self.route(route, outputIndex: oif, delete: false)]
            case let .delete(route):
                let oif = try route.device.map { (name) throws(ChangeEncodingError) in try index(name) }
                messages = [self.route(route, outputIndex: oif, delete: true)]
            }
        case .table, .iptables:
            throw ChangeEncodingError(change: change, reason: .notRtnetlink)
        }
        for offset in messages.indices {
            messages[offset].bytes.storeSequence(firstSequence &+ UInt32(offset))
        }
        return messages
    }

    // MARK: flags

    /// Every request asks for its ACK.
    static let plain: NetlinkRequest.Flags = [.request, .ack]
    /// `ip link add`: fail with `EEXIST` rather than change a device of the same name.
    static let createExclusive: NetlinkRequest.Flags = [.request, .ack, .create, .exclusive]
    /// `ip … replace`, `bridge fdb replace`: create, or replace what holds the same key.
    static let createOrReplace: NetlinkRequest.Flags = [.request, .ack, .create, .replace]
}

extension Array where Element == UInt8 {
    /// `nlmsg_seq`, host order, at byte 8 of the header.
    mutating func storeSequence(_ sequence: UInt32) {
        guard count >= 12 else { return }
        Swift.withUnsafeBytes(of: sequence) { bytes in
            for offset in 0..<4 { self[8 + offset] = bytes[offset] }
        }
    }
}
